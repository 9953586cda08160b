using Baton.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Security;

/// <summary>
/// <c>GET /login?token=...</c>: a browser's way in. The token is a one-time login ticket (<c>baton serve</c> prints
/// the URL) or an API token; the answer sets the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and
/// redirects to <c>/</c>, so the secret leaves the address bar at once.
/// </summary>
public static class LoginEndpoint
{
    public const string Path = "/login";

    public static RouteHandlerBuilder MapLogin(this IEndpointRouteBuilder app)
    {
        return app.MapGet(Path, async (HttpContext context, string? token, LoginSessions sessions, TokenService tokens, CancellationToken cancellationToken) =>
        {
            // The URL carries a secret: keep it out of caches and of the next page's Referer.
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            string? session = null;
            if (string.IsNullOrEmpty(token))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, type: ApiProblems.Input,
                    title: "login needs ?token= with a login link's token or an API token", detail: "login needs ?token= with a login link's token or an API token");
            }
            if (sessions.Redeem(token) is { } ticket)
            {
                session = sessions.Start(ticket.Name, ticket.Scope, null);
            }
            else if (await tokens.AuthenticateAsync(token, cancellationToken).ConfigureAwait(false) is { } apiToken)
            {
                session = sessions.Start(apiToken.Name, apiToken.Scope, apiToken.SecretHash);
            }
            if (session is null)
            {
                const string Detail = "this login link is used, expired or unknown: ask for a new one ('baton serve' prints one; an API token works too)";
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, type: ApiProblems.Unauthenticated, title: Detail, detail: Detail);
            }
            AppendSessionCookie(context, session);
            return Results.Redirect("/");
        }).AllowAnonymous().WithName("login").WithSummary("Opens a browser session from a login link or an API token, then redirects to /");
    }

    /// <summary>Sets the session cookie of <paramref name="session"/> (a secret from <see cref="LoginSessions.Start"/>).</summary>
    public static void AppendSessionCookie(HttpContext context, string session)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Append(LoginSessions.CookieName, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = LoginSessions.SessionLifetime,
        });
    }
}
