using System.Text.Encodings.Web;
using Baton.Core.Stores;
using Baton.Hosting.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Dashboard;

/// <summary>
/// The dashboard's policies: the node's scopes, authenticated by the node's own schemes (session cookie, token), but a
/// browser that is not signed in is sent to the sign-in page rather than answered with a 401 problem.
/// </summary>
public static class DashboardAuth
{
    public const string Read = "dashboard:read";
    public const string Submit = "dashboard:submit";

    /// <summary>Authenticates as the node does; challenges and refusals are <see cref="SignInRedirectHandler"/>'s.</summary>
    public const string Scheme = "BatonDashboard";

    public static void AddDashboardAuth(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddPolicyScheme(Scheme, "Baton dashboard", o =>
            {
                o.ForwardAuthenticate = BatonSecurity.Scheme;
                o.ForwardChallenge = SignInRedirectHandler.SchemeName;
                o.ForwardForbid = SignInRedirectHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, SignInRedirectHandler>(SignInRedirectHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Read, Policy(TokenScope.Read))
            .AddPolicy(Submit, Policy(TokenScope.Submit));
    }

    private static AuthorizationPolicy Policy(TokenScope scope) => new AuthorizationPolicyBuilder(Scheme)
        .RequireAuthenticatedUser()
        .RequireAssertion(context => context.User.Has(scope))
        .Build();
}

/// <summary>Sends a browser without a session to <c>/ui/signin</c> (a 303 to a page, never a JSON 401); a too-small scope gets a 403 page.</summary>
public sealed class SignInRedirectHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "BatonDashboardSignIn";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // Only a local path comes back after sign-in: never an address elsewhere.
        var back = Request.Method == HttpMethods.Get ? (Request.PathBase + Request.Path + Request.QueryString).ToString() : DashboardPaths.Root;
        Response.Redirect($"{DashboardPaths.SignIn}?back={Uri.EscapeDataString(back)}");
        Response.StatusCode = StatusCodes.Status303SeeOther;
        return Task.CompletedTask;
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Layout.WriteAsync(Context, "Not allowed", Html.Of($"<h1>Not allowed</h1><p>Your sign-in ({Context.User.Scope()?.ToWord() ?? "none"}) does not allow this. Sign in with a token of a wider scope: <a href=\"{DashboardPaths.SignIn}\">sign in</a>.</p>")).ConfigureAwait(false);
    }
}
