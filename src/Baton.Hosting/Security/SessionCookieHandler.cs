using System.Text.Encodings.Web;
using Baton.Core.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting.Security;

/// <summary>
/// The dashboard's session cookie (set by <c>GET /login</c>). A session opened with an API token ends when the token
/// is revoked or expires: the token is looked up again on each request.
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
}
