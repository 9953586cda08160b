using System.Security.Claims;
using Baton.Core.Stores;

namespace Baton.Hosting.Security;

/// <summary>
/// The authorization policies of the node's API, one per scope (read &lt; submit &lt; admin): endpoints say
/// <c>.RequireAuthorization(BatonPolicies.Read)</c>. An endpoint that names none still needs <see cref="Read"/>
/// (the fallback policy); health checks and the login page opt out with <c>.AllowAnonymous()</c>.
/// </summary>
public static class BatonPolicies
{
    public const string Read = "baton:read";
    public const string Submit = "baton:submit";
    public const string Admin = "baton:admin";

    /// <summary>The policy that asks for <paramref name="scope"/> or more.</summary>
    public static string For(TokenScope scope) => scope switch
    {
        TokenScope.Read => Read,
        TokenScope.Submit => Submit,
        TokenScope.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "not a token scope"),
    };
}

/// <summary>Who a request comes from, as the authentication handlers describe it.</summary>
public static class BatonPrincipal
{
    /// <summary>The claim that holds the scope's word (<c>read</c>, <c>submit</c>, <c>admin</c>).</summary>
    public const string ScopeClaim = "baton:scope";

    /// <summary>The claim that says how the caller authenticated: <c>token</c>, <c>session</c>, <c>socket</c>.</summary>
    public const string MethodClaim = "baton:method";

    public static ClaimsPrincipal Create(string name, TokenScope scope, string method, string scheme) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ScopeClaim, scope.ToWord()), new Claim(MethodClaim, method)],
            scheme, ClaimTypes.Name, null));

    /// <summary>The caller's scope; null when the caller is not authenticated.</summary>
    public static TokenScope? Scope(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.IsAuthenticated == true && TokenScopeWords.TryParse(user.FindFirstValue(ScopeClaim), out var scope) ? scope : null;
    }

    /// <summary>Whether the caller may do what <paramref name="needed"/> allows.</summary>
    public static bool Has(this ClaimsPrincipal user, TokenScope needed) => user.Scope() is { } scope && scope >= needed;

    /// <summary>The caller's name (a token's name, or the workspace owner's user name): what runs they submit record.</summary>
    public static string NameOf(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.Name ?? throw new InvalidOperationException("the request is not authenticated");
    }
}
