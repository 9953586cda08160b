using System.Globalization;
using System.Text;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Hosting.Queries;
using Baton.Hosting.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Pages;

/// <summary>
/// <c>/ui/tasks/{id}</c>: what a task is (identity, parameters, argv, neighbours), what happened to it (states,
/// attempts with their usage), and a log viewer that pages by byte range and follows a running attempt.
/// </summary>
internal static class TaskPage
{
    /// <summary>How much of a log one page shows.</summary>
    public const int LogPageBytes = 64 * 1024;

    public static async Task<IResult> RenderAsync(HttpContext context, NodeQueries queries, IAntiforgery antiforgery, long id, int? attempt, string? stream, long? offset, CancellationToken cancellationToken)
    {
        var details = await queries.GetTaskAsync(id, cancellationToken) ?? throw new NotFoundException($"no task {id} in this workspace");
        var task = details.Task;
        var html = new Html();
        html.Add($"<h1>{task.Name} <span class=\"muted\">task {task.TaskId}</span></h1>");
        html.Add($"<dl class=\"facts\"><dt>State</dt><dd data-state>{Layout.State(task.State)}{(task.Reason == FailureReason.None ? "" : $" ({task.Reason.ToWord()})")}</dd>");
        html.Add($"<dt>Workflow</dt><dd>{task.Workflow}</dd><dt>Template</dt><dd>{task.Template}</dd><dt>Identity</dt><dd><code>{task.Identity}</code></dd>");
        html.Add($"<dt>Tags</dt><dd>{(task.Tags.Count == 0 ? "—" : string.Join(", ", task.Tags))}</dd><dt>Directory</dt><dd><code>{task.Directory}</code></dd><dt>Updated</dt><dd>{Layout.Time(task.UpdatedAt)}</dd></dl>");
        if (task.State is TaskState.Waiting or TaskState.Ready or TaskState.Submitted or TaskState.Running && context.User.Has(TokenScope.Submit))
        {
            html.Add($"<form method=\"post\" action=\"{DashboardPaths.Task(id)}/kill\" class=\"action\">{RunPage.Antiforgery(context, antiforgery)}<button type=\"submit\" class=\"danger\" id=\"kill\">Kill task</button></form>");
        }

        html.Add($"<section aria-labelledby=\"params-h\"><h2 id=\"params-h\">Parameters</h2><pre class=\"params\">{details.ParamsJson}</pre>");
        if (details.Attributes.Count > 0)
        {
            html.Add($"<dl class=\"facts\">");
            foreach (var (key, value) in details.Attributes)
            {
                html.Add($"<dt>{key}</dt><dd>{value}</dd>");
            }
            html.Add($"</dl>");
        }
        html.Add($"</section>");

        html.Add($"<section aria-labelledby=\"links-h\"><h2 id=\"links-h\">Upstream and downstream</h2><div class=\"links\"><div><h3>Upstream <span class=\"muted\">(it runs after these)</span></h3>{Links(details.Upstream)}</div><div><h3>Downstream <span class=\"muted\">(these run after it)</span></h3>{Links(details.Downstream)}</div></div></section>");

        var selected = attempt is { } n ? details.Attempts.FirstOrDefault(a => a.Number == n) ?? throw new NotFoundException($"task '{task.Name}' has no attempt {n}") : details.Attempts.Count > 0 ? details.Attempts[^1] : null;
        html.Add($"<section aria-labelledby=\"attempts-h\"><h2 id=\"attempts-h\">Attempts</h2>");
        if (details.Attempts.Count == 0)
        {
            html.Add($"<p class=\"empty\">No attempt yet.</p>");
        }
        else
        {
            html.Add($"<div class=\"scroll\"><table class=\"attempts\"><caption class=\"sr-only\">Attempts of {task.Name}</caption><thead><tr><th scope=\"col\">Attempt</th><th scope=\"col\">Run</th><th scope=\"col\">Started</th><th scope=\"col\">Took</th><th scope=\"col\">Outcome</th><th scope=\"col\">Exit</th><th scope=\"col\">CPU</th><th scope=\"col\">Peak memory</th><th scope=\"col\">Host</th><th scope=\"col\">Message</th></tr></thead><tbody>");
            foreach (var a in details.Attempts)
            {
                var current = a == selected ? new RawHtml(" aria-current=\"true\"") : default;
                html.Add($"<tr><td><a href=\"{DashboardPaths.Task(id)}{Layout.Query(("attempt", a.Number.ToString(CultureInfo.InvariantCulture)))}#log-h\"{current}>#{a.Number}</a></td><td><a href=\"{DashboardPaths.Run(a.RunId)}\">#{a.RunId}</a></td><td>{Layout.Time(a.StartedAt)}</td>");
                html.Add($"<td>{(a.EndedAt is { } end ? Layout.Duration(end - a.StartedAt) : "running")}</td><td>{a.Outcome?.ToWord() ?? "running"}</td><td>{a.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "—"}</td>");
                html.Add($"<td>{(a.Usage is { } u ? Layout.Duration(u.Cpu) : "—")}</td><td>{(a.Usage is { } m ? Layout.Bytes(m.PeakRssBytes) : "—")}</td><td>{a.Host}</td><td>{a.Message ?? ""}</td></tr>");
            }
            html.Add($"</tbody></table></div>");
        }
        html.Add($"</section>");

        if (selected is not null)
        {
            html.Add($"<section aria-labelledby=\"argv-h\"><h2 id=\"argv-h\">Command of attempt {selected.Number}</h2><pre class=\"argv\">{(selected.Argv is { } argv ? string.Join(' ', argv.Select(Quote)) : "(not recorded)")}</pre></section>");
            await LogAsync(html, queries, task, selected, stream ?? "stdout", offset, cancellationToken);
        }

        html.Add($"<section aria-labelledby=\"history-h\"><h2 id=\"history-h\">State history</h2><div class=\"scroll\"><table><caption class=\"sr-only\">States of {task.Name} over time</caption><thead><tr><th scope=\"col\">At</th><th scope=\"col\">State</th><th scope=\"col\">Reason</th><th scope=\"col\">Run</th><th scope=\"col\">Message</th></tr></thead><tbody>");
        foreach (var entry in details.History)
        {
            html.Add($"<tr><td>{Layout.Time(entry.At)}</td><td>{Layout.State(entry.State)}</td><td>{entry.Reason.ToWord()}</td><td>{entry.RunId?.ToString(CultureInfo.InvariantCulture) ?? "—"}</td><td>{entry.Message ?? ""}</td></tr>");
        }
        html.Add($"</tbody></table></div></section>");
        return Layout.Result(context, task.Name, html.ToRaw());
    }

    private static async Task LogAsync(Html html, NodeQueries queries, TaskRow task, AttemptRow attempt, string stream, long? offset, CancellationToken cancellationToken)
    {
        var which = AttemptLogs.ParseStream(stream);
        var number = attempt.Number.ToString(CultureInfo.InvariantCulture);
        html.Add($"<section aria-labelledby=\"log-h\"><h2 id=\"log-h\">Log of attempt {attempt.Number}</h2><nav class=\"tabs\" aria-label=\"Log streams\">");
        foreach (var name in new[] { "stdout", "stderr" })
        {
            var current = name == stream ? new RawHtml(" aria-current=\"page\"") : default;
            html.Add($"<a href=\"{DashboardPaths.Task(task.TaskId)}{Layout.Query(("attempt", number), ("stream", name))}#log-h\"{current}>{name}</a> ");
        }
        html.Add($"</nav>");
        LogRange range;
        try
        {
            var from = offset ?? Math.Max(0, (await queries.ReadLogRangeAsync(task.TaskId, attempt.Number, which, long.MaxValue, 0, cancellationToken)).FileLength - LogPageBytes);
            range = await queries.ReadLogRangeAsync(task.TaskId, attempt.Number, which, from, LogPageBytes, cancellationToken);
        }
        catch (BatonInputException ex)
        {
            html.Add($"<p class=\"empty\">{ex.Message}</p></section>");
            return;
        }
        var end = range.Offset + range.Bytes.Length;
        string Link(long at) => DashboardPaths.Task(task.TaskId) + Layout.Query(("attempt", number), ("stream", stream), ("offset", at.ToString(CultureInfo.InvariantCulture))) + "#log-h";
        html.Add($"<p class=\"muted\" id=\"log-range\">Bytes {range.Offset}–{end} of {range.FileLength}</p><nav class=\"pager\" aria-label=\"Pages of the log\">");
        if (range.Offset > 0)
        {
            html.Add($"<a href=\"{Link(0)}\">Start</a> <a href=\"{Link(Math.Max(0, range.Offset - LogPageBytes))}\">Earlier</a> ");
        }
        if (end < range.FileLength)
        {
            html.Add($"<a href=\"{Link(end)}\">Later</a> <a href=\"{Link(Math.Max(0, range.FileLength - LogPageBytes))}\">End</a>");
        }
        html.Add($"</nav>");
        // A running attempt's log is followed from where this page ends, through the API's follow stream.
        var follow = attempt.EndedAt is null && end >= range.FileLength
            ? Html.Of($" data-follow=\"/api/v1/tasks/{task.TaskId}/attempts/{attempt.Number}/logs/{stream}?follow=true&amp;offset={end}\"")
            : default;
        html.Add($"<pre class=\"log\" id=\"log\" tabindex=\"0\" aria-label=\"{stream} of attempt {attempt.Number}\"{follow}>{Encoding.UTF8.GetString(range.Bytes.Span)}</pre></section>");
    }

    private static RawHtml Links(IReadOnlyList<TaskLink> links)
    {
        if (links.Count == 0)
        {
            return Html.Of($"<p class=\"muted\">none</p>");
        }
        var html = new Html();
        html.Add($"<ul>");
        foreach (var link in links.Take(200))
        {
            html.Add($"<li><a href=\"{DashboardPaths.Task(link.TaskId)}\">{link.Name}</a> {Layout.State(link.State)}</li>");
        }
        html.Add($"</ul>");
        if (links.Count > 200)
        {
            html.Add($"<p class=\"muted\">and {links.Count - 200} more</p>");
        }
        return html.ToRaw();
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c, StringComparison.Ordinal)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
