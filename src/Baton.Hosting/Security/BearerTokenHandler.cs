using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting.Security;

/// <summary>
/// <c>Authorization: Bearer SECRET</c>: the token whose hash the store holds, unless revoked or expired (401).
/// </summary>
public sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenService tokens)
    : ProblemAuthenticationHandler(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("the Authorization header must be 'Bearer TOKEN'");
        }
        var secret = header["Bearer ".Length..].Trim();
        if (await tokens.AuthenticateAsync(secret, Context.RequestAborted).ConfigureAwait(false) is not { } token)
        {
            return AuthenticateResult.Fail("the token is not valid (unknown, revoked or expired)");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(BatonPrincipal.Create(token.Name, token.Scope, "token", SchemeName), SchemeName));
    }
}
