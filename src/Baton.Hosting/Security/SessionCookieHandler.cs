using System.Text.Encodings.Web;
using Baton.Core.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting.Security;

/// <summary>
/// The dashboard's session cookie (set by <c>GET /login</c>). A session opened with an API token ends when the token
/// is revoked or expires: the token is looked up again on each request. A change (POST, DELETE) sent from another
/// origin's page is refused, whatever its cookie.
/// </summary>
public sealed class SessionCookieHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, LoginSessions sessions, ITokenStore tokens)
    : ProblemAuthenticationHandler(options, logger, encoder)
{
    public const string SchemeName = "Session";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(LoginSessions.CookieName, out var secret) || string.IsNullOrEmpty(secret))
        {
            return AuthenticateResult.NoResult();
        }
        if (ChangesSomething(Request) && FromAnotherOrigin(Request))
        {
            return AuthenticateResult.Fail("the session cookie works only on this server's own pages: a change from another origin is refused (send a token instead)");
        }
        if (sessions.Find(secret) is not { } session)
        {
            return AuthenticateResult.Fail("the session has ended: open a new login link");
        }
        if (session.TokenHash is { } hash
            && (await tokens.FindTokenAsync(hash, Context.RequestAborted).ConfigureAwait(false) is not { } token || !token.IsValidAt(TimeProvider.GetUtcNow())))
        {
            return AuthenticateResult.Fail("the token this session was opened with is revoked or expired");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(BatonPrincipal.Create(session.Name, session.Scope, "session", SchemeName), SchemeName));
    }

    private static bool ChangesSomething(HttpRequest request) =>
        !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method);

    /// <summary>
    /// Whether a browser says the request comes from a page of another origin. SameSite=Strict keeps the cookie off
    /// requests from other sites only: a page on another port of this host, or on a sibling subdomain, is the same
    /// site, and a plain HTML form there can POST here (say, to interrupt a run) with the cookie. Browsers name the
    /// page's origin (Sec-Fetch-Site, Origin); a request with neither is no browser's, and carries the cookie on purpose.
    /// </summary>
    private static bool FromAnotherOrigin(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"] is { Count: > 0 } site && site.ToString() is not ("same-origin" or "none"))
        {
            return true;
        }
        return request.Headers.Origin is { Count: > 0 } origin
            && !string.Equals(origin.ToString(), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }
}
