using System.Text.Encodings.Web;
using Baton.Client;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting.Security;

/// <summary>
/// An authentication handler whose refusals are problem details: 401 with <see cref="ApiProblems.Unauthenticated"/>
/// (and <c>WWW-Authenticate: Bearer</c>), 403 with <see cref="ApiProblems.Forbidden"/>.
/// </summary>
public abstract class ProblemAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceAsync().ConfigureAwait(false);
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteAsync(StatusCodes.Status401Unauthorized, ApiProblems.Unauthenticated,
            result.Failure?.Message ?? "this server needs a token: set BATON_TOKEN (or --token), or send 'Authorization: Bearer TOKEN'").ConfigureAwait(false);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var scope = Context.User.Scope() is { } s ? $"'{Core.Stores.TokenScopeWords.ToWord(s)}'" : "none";
        await WriteAsync(StatusCodes.Status403Forbidden, ApiProblems.Forbidden, $"the token's scope ({scope}) does not allow {Request.Method} {Request.Path}").ConfigureAwait(false);
    }

    private async Task WriteAsync(int status, string type, string detail)
    {
        Response.StatusCode = status;
        await Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Type = type, Title = detail, Detail = detail },
        }).ConfigureAwait(false);
    }
}
