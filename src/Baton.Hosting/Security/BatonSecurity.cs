using Baton.Core.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Hosting.Security;

/// <summary>
/// The node's authentication and authorization, in one place: requests on the Unix socket are the workspace owner's
/// (admin); over TCP a bearer token or the dashboard's session cookie; the policies of <see cref="BatonPolicies"/>,
/// with <see cref="BatonPolicies.Read"/> for any endpoint that names none.
/// </summary>
public static class BatonSecurity
{
    /// <summary>The default scheme: picks the socket, bearer or cookie scheme by how the request came.</summary>
    public const string Scheme = "Baton";

    /// <summary>Registers the schemes, the policies, the token service and the login sessions. Needs <see cref="ITokenStore"/> and <see cref="TimeProvider"/> in the container.</summary>
    /// <param name="socket">The connections of the node's Unix socket (its listener tracks them).</param>
    public static IServiceCollection AddBatonSecurity(this IServiceCollection services, SocketConnections socket)
    {
        services.AddSingleton(socket);
        services.AddSingleton<LoginSessions>();
        services.AddSingleton<TokenService>();
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Baton", o => o.ForwardDefaultSelector = SchemeOf)
            .AddScheme<AuthenticationSchemeOptions, SocketOwnerHandler>(SocketOwnerHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, SessionCookieHandler>(SessionCookieHandler.SchemeName, null);
        var read = ScopePolicy(TokenScope.Read);
        services.AddAuthorizationBuilder()
            .AddPolicy(BatonPolicies.Read, read)
            .AddPolicy(BatonPolicies.Submit, ScopePolicy(TokenScope.Submit))
            .AddPolicy(BatonPolicies.Admin, ScopePolicy(TokenScope.Admin))
            .SetFallbackPolicy(read);
        return services;
    }

    private static AuthorizationPolicy ScopePolicy(TokenScope scope) => new AuthorizationPolicyBuilder(Scheme)
        .RequireAuthenticatedUser()
        .RequireAssertion(context => context.User.Has(scope))
        .Build();

    /// <summary>
    /// The socket scheme for the Unix socket (nothing a client sends changes that); else the bearer scheme when an
    /// Authorization header is there or no session cookie is (its challenge is the 401 a client should see).
    /// </summary>
    private static string SchemeOf(HttpContext context) =>
        context.RequestServices.GetRequiredService<SocketConnections>().Contains(context) ? SocketOwnerHandler.SchemeName
        : context.Request.Headers.Authorization.Count == 0 && context.Request.Cookies.ContainsKey(LoginSessions.CookieName) ? SessionCookieHandler.SchemeName
        : BearerTokenHandler.SchemeName;
}
