using Baton.Hosting.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Pages;

/// <summary>
/// <c>/ui/signin</c>: where a browser without a session lands. It signs in with the login link <c>baton serve</c>
/// printed, or with an API token pasted into a form (posted, so the token never sits in a URL or a history).
/// </summary>
internal static class SignInPage
{
    public static IResult Render(HttpContext context, IAntiforgery antiforgery, string? back, string? error = null, int status = StatusCodes.Status200OK)
    {
        var message = error is null ? default : Html.Of($"<p class=\"error-text\" role=\"alert\">{error}</p>");
        return Layout.Result(context, "Sign in", Html.Of($"""
            <h1>Sign in to Baton</h1>
            <p>Open the login link that <code>baton serve</code> printed (it works once), or paste an API token (<code>baton token create</code>).</p>
            {message}
            <form method="post" action="{DashboardPaths.SignIn}" class="signin">
            {RunPage.Antiforgery(context, antiforgery)}
            <input type="hidden" name="back" value="{LocalPath(back)}">
            <label for="token">API token</label>
            <input type="password" id="token" name="token" autocomplete="off" required>
            <button type="submit">Sign in</button>
            </form>
            """), status);
    }

    public static async Task<IResult> SubmitAsync(HttpContext context, IAntiforgery antiforgery, TokenService tokens, LoginSessions sessions, CancellationToken cancellationToken)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Render(context, antiforgery, null, "The form expired: sign in again.", StatusCodes.Status400BadRequest);
        }
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var back = form["back"].ToString();
        var token = form["token"].ToString().Trim();
        if (token.Length == 0 || await tokens.AuthenticateAsync(token, cancellationToken) is not { } apiToken)
        {
            return Render(context, antiforgery, back, "That token is not valid (unknown, revoked or expired).", StatusCodes.Status401Unauthorized);
        }
        LoginEndpoint.AppendSessionCookie(context, sessions.Start(apiToken.Name, apiToken.Scope, apiToken.SecretHash));
        return Results.Redirect(LocalPath(back), permanent: false, preserveMethod: false);
    }

    /// <summary>Where to go after signing in: a path of the dashboard, never another site (<c>//host</c>, <c>/\host</c>).</summary>
    public static string LocalPath(string? back) =>
        back is { Length: > 0 } path && path.StartsWith(DashboardPaths.Root, StringComparison.Ordinal) && !path.Contains('\\', StringComparison.Ordinal)
            && !path.StartsWith(DashboardPaths.SignIn, StringComparison.Ordinal)
            ? path
            : DashboardPaths.Root;
}
