using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Hosting.Queries;
using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Pages;

/// <summary><c>/ui</c>: runs counted per status, and a table filtered by status and workflow, paged on the server.</summary>
internal static class RunsPage
{
    private const int PageSize = 25;

    public static async Task<IResult> RenderAsync(HttpContext context, NodeQueries queries, string? status, string? workflow, string? after, CancellationToken cancellationToken)
    {
        RunStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            wanted = Enum.TryParse<RunStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new BatonInputException($"status '{QuotedText.Escape(status)}' is not a run status (running, done, failed, interrupted)");
        }
        var workflowFilter = string.IsNullOrWhiteSpace(workflow) ? null : workflow.Trim();
        var counts = await queries.CountRunsAsync(workflowFilter, cancellationToken);
        var list = await queries.ListRunsAsync(new RunQuery
        {
            Workflow = workflowFilter,
            Statuses = wanted is { } w ? [w] : null,
            After = string.IsNullOrEmpty(after) ? null : after,
            Limit = PageSize,
        }, cancellationToken);

        var html = new Html();
        html.Add($"<h1>Runs</h1>");
        html.Add($"<section aria-labelledby=\"run-counts\"><h2 id=\"run-counts\" class=\"sr-only\">Runs per status</h2><ul class=\"counts\">");
        foreach (var s in Enum.GetValues<RunStatus>())
        {
            var word = s.ToString().ToLowerInvariant();
            html.Add($"<li><a href=\"{DashboardPaths.Root}{Layout.Query(("status", word), ("workflow", workflowFilter))}\">{Layout.Status(s)} <strong>{counts.GetValueOrDefault(s)}</strong></a></li>");
        }
        html.Add($"</ul></section>");

        html.Add($"<form class=\"filters\" method=\"get\" action=\"{DashboardPaths.Root}\" role=\"search\" aria-label=\"Filter runs\">");
        html.Add($"<span class=\"field\"><label for=\"f-status\">Status</label><select name=\"status\" id=\"f-status\"><option value=\"\">any</option>");
        foreach (var s in Enum.GetValues<RunStatus>())
        {
            var word = s.ToString().ToLowerInvariant();
            html.Add($"<option value=\"{word}\"{Selected(s == wanted)}>{word}</option>");
        }
        html.Add($"</select></span> <span class=\"field\"><label for=\"f-workflow\">Workflow</label><input name=\"workflow\" id=\"f-workflow\" value=\"{workflowFilter}\" placeholder=\"name\"></span> <button type=\"submit\">Filter</button></form>");

        if (list.Runs.Count == 0)
        {
            html.Add($"<p class=\"empty\">No run matches.</p>");
        }
        else
        {
            html.Add($"<div class=\"scroll\"><table class=\"runs\"><caption class=\"sr-only\">Runs, newest first</caption><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Workflow</th><th scope=\"col\">Status</th><th scope=\"col\">Tasks</th><th scope=\"col\">Started</th><th scope=\"col\">Took</th><th scope=\"col\">Submitted by</th></tr></thead><tbody>");
            foreach (var info in list.Runs)
            {
                var run = info.Run;
                var total = info.Tasks.Values.Sum();
                var took = run.EndedAt is { } end ? Layout.Duration(end - run.StartedAt) : "running";
                html.Add($"<tr data-run=\"{run.RunId}\"><td><a href=\"{DashboardPaths.Run(run.RunId)}\">#{run.RunId}</a></td><td>{run.Workflow}{(run.Version > 1 ? $" v{run.Version}" : "")}</td><td>{Layout.Status(run.Status)}</td>");
                html.Add($"<td>{TaskCounts(info.Tasks)} <span class=\"muted\">of {total}</span></td><td>{Layout.Time(run.StartedAt)}</td><td>{took}</td><td>{run.SubmittedBy ?? "—"}</td></tr>");
            }
            html.Add($"</tbody></table></div>");
        }
        html.Add($"<nav class=\"pager\" aria-label=\"Pages\">");
        if (!string.IsNullOrEmpty(after))
        {
            html.Add($"<a href=\"{DashboardPaths.Root}{Layout.Query(("status", wanted?.ToString().ToLowerInvariant()), ("workflow", workflowFilter))}\">First page</a> ");
        }
        if (list.Next is { } next)
        {
            html.Add($"<a rel=\"next\" href=\"{DashboardPaths.Root}{Layout.Query(("status", wanted?.ToString().ToLowerInvariant()), ("workflow", workflowFilter), ("after", next))}\">Next page</a>");
        }
        html.Add($"</nav>");
        return Layout.Result(context, "Runs", html.ToRaw());
    }

    /// <summary>The states a reader looks for first, as words with counts.</summary>
    public static RawHtml TaskCounts(IReadOnlyDictionary<TaskState, int> counts)
    {
        var html = new Html();
        html.Add($"<span class=\"task-counts\">");
        foreach (var (state, count) in counts.OrderBy(c => c.Key))
        {
            html.Add($"<span class=\"tc s-{state.ToWord()}\" data-state=\"{state.ToWord()}\">{count} {state.ToWord()}</span> ");
        }
        html.Add($"</span>");
        return html.ToRaw();
    }

    public static RawHtml Selected(bool selected) => selected ? new RawHtml(" selected") : default;
}
