using System.Globalization;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Hosting.Security;
using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard;

/// <summary>The dashboard's paths.</summary>
public static class DashboardPaths
{
    public const string Root = "/ui";
    public const string SignIn = "/ui/signin";
    public const string Static = "/ui/static";

    public static string Run(long runId) => FormattableString.Invariant($"/ui/runs/{runId}");

    public static string Task(long taskId) => FormattableString.Invariant($"/ui/tasks/{taskId}");
}

/// <summary>The page around every view, the headers every answer carries, and how values are shown.</summary>
public static class Layout
{
    /// <summary>
    /// Nothing but this server's own stylesheet and script; no inline script or style, no frames, forms only to here.
    /// Inline SVG is markup, not an image, so the graph and the timeline need nothing more.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void SecurityHeaders(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.CacheControl = "no-store";
    }

    public static RawHtml Page(HttpContext context, string title, RawHtml body)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User.Identity?.IsAuthenticated == true
            ? Html.Of($"<span class=\"who\">Signed in as <strong>{context.User.Identity.Name}</strong> ({context.User.Scope()?.ToWord()})</span>")
            : default;
        return Html.Of($"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · Baton</title>
            <link rel="stylesheet" href="{DashboardPaths.Static}/dashboard.css">
            <script src="{DashboardPaths.Static}/dashboard.js" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="top"><nav aria-label="Main"><a class="brand" href="{DashboardPaths.Root}">Baton</a> <a href="{DashboardPaths.Root}">Runs</a></nav>{user}</header>
            <main id="main">
            {body}
            </main>
            </body>
            </html>
            """);
    }

    public static IResult Result(HttpContext context, string title, RawHtml body, int status = StatusCodes.Status200OK) =>
        Results.Content(Page(context, title, body).Value, "text/html; charset=utf-8", null, status);

    public static async Task WriteAsync(HttpContext context, string title, RawHtml body)
    {
        ArgumentNullException.ThrowIfNull(context);
        SecurityHeaders(context.Response);
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(Page(context, title, body).Value, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A task state as a word with a symbol (colour is only a second signal).</summary>
    public static RawHtml State(TaskState state) =>
        Html.Of($"<span class=\"state s-{state.ToWord()}\"><span aria-hidden=\"true\">{Symbol(state)}</span> {state.ToWord()}</span>");

    public static RawHtml Status(RunStatus status)
    {
        var word = status.ToString().ToLowerInvariant();
        var symbol = status switch { RunStatus.Running => "▶", RunStatus.Done => "✓", RunStatus.Failed => "✗", _ => "■" };
        return Html.Of($"<span class=\"state r-{word}\"><span aria-hidden=\"true\">{symbol}</span> {word}</span>");
    }

    public static string Symbol(TaskState state) => state switch
    {
        TaskState.Done => "✓",
        TaskState.Failed => "✗",
        TaskState.Running => "▶",
        TaskState.Submitted => "↑",
        TaskState.Ready => "○",
        TaskState.Waiting => "…",
        TaskState.Killing or TaskState.Killed => "■",
        _ => "·",
    };

    public static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "—";

    public static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m")
        : span.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds:00}s")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.0}s");

    public static string Bytes(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB")
        : bytes >= 1L << 20 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB");

    /// <summary>A query string of the non-empty pairs, each encoded: what links and paging keep in the URL.</summary>
    public static string Query(params (string Key, string? Value)[] pairs)
    {
        var kept = pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value!)}").ToList();
        return kept.Count == 0 ? "" : "?" + string.Join('&', kept);
    }
}
