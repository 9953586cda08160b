using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Hosting.Queries;
using Baton.Hosting.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Pages;

/// <summary>What the tasks table of a run page shows: kept in the URL's query.</summary>
internal sealed record TaskView(string? State, string? Text, string Sort, string? After, int Page)
{
    public static readonly string[] Sorts = ["order", "name", "state", "updated", "attempts"];

    public string Link(long runId, string? after = null, int page = 0) => DashboardPaths.Run(runId) + Layout.Query(
        ("state", State), ("q", Text), ("sort", Sort == "order" ? null : Sort), ("after", after), ("page", page > 0 ? page.ToString(System.Globalization.CultureInfo.InvariantCulture) : null)) + "#tasks";
}

/// <summary><c>/ui/runs/{id}</c>: progress per template, the graph of templates, the tasks table, the timeline and the errors.</summary>
internal static class RunPage
{
    private const int PageSize = 50;

    /// <summary>Past this many tasks a search by part of a name, or a sort other than the workflow's order, is refused.</summary>
    public const int InMemoryLimit = 10_000;

    public static async Task<IResult> RenderAsync(HttpContext context, NodeQueries queries, IAntiforgery antiforgery, TimeProvider time, long id, TaskView view, CancellationToken cancellationToken)
    {
        var seen = await queries.LatestEventAsync(cancellationToken);
        var info = await queries.GetRunAsync(id, cancellationToken) ?? throw new NotFoundException($"no run {id} in this workspace");
        var run = info.Run;
        var templates = await queries.TemplatesAsync(id, cancellationToken);
        var html = new Html();
        html.Add($"<h1>Run #{run.RunId} <span class=\"muted\">{run.Workflow}</span></h1>");
        html.Add($"<dl class=\"facts\"><dt>Status</dt><dd data-status>{Layout.Status(run.Status)}</dd><dt>Started</dt><dd>{Layout.Time(run.StartedAt)}</dd><dt>Ended</dt><dd>{Layout.Time(run.EndedAt)}</dd>");
        html.Add($"<dt>Submitted by</dt><dd>{run.SubmittedBy ?? "—"}</dd><dt>Version</dt><dd>{run.Version}</dd><dt>File</dt><dd><code>{run.SourceFile}</code></dd></dl>");
        if (run.Status == RunStatus.Running && context.User.Has(TokenScope.Submit))
        {
            html.Add($"<form method=\"post\" action=\"{DashboardPaths.Run(id)}/interrupt\" class=\"action\">{Antiforgery(context, antiforgery)}<button type=\"submit\" class=\"danger\">Interrupt run</button> <span class=\"muted\">kills its running attempts; resume it later with <code>baton resume</code></span></form>");
        }
        html.Add($"<div id=\"live\" data-run=\"{id}\" data-after=\"{seen}\" data-counts=\"{DashboardPaths.Run(id)}/counts\">{Counts(info, templates)}</div>");

        html.Add($"<section aria-labelledby=\"graph-h\"><h2 id=\"graph-h\">Graph of templates</h2>{RunCharts.Graph(templates)}</section>");
        html.Add($"<section aria-labelledby=\"tasks-h\" id=\"tasks\"><h2 id=\"tasks-h\">Tasks</h2>");
        await TasksAsync(html, queries, id, view, cancellationToken);
        html.Add($"</section>");

        var attempts = await queries.RunAttemptsAsync(id, cancellationToken);
        html.Add($"<section aria-labelledby=\"timeline-h\"><h2 id=\"timeline-h\">Timeline of attempts</h2>{RunCharts.Timeline(attempts, time.GetUtcNow())}</section>");

        var errors = await queries.ErrorsAsync(new InsightQuery { RunId = id }, 3, cancellationToken);
        html.Add($"<section aria-labelledby=\"errors-h\"><h2 id=\"errors-h\">Errors</h2>");
        if (errors.Count == 0)
        {
            html.Add($"<p class=\"empty\">No failed attempt.</p>");
        }
        foreach (var cluster in errors)
        {
            html.Add($"<article class=\"error\"><h3>{cluster.Count} × {cluster.Template}: {cluster.Outcome}</h3><p><code>{cluster.Signature}</code></p><p>Tasks: {cluster.Tasks.Count}");
            foreach (var task in cluster.Tasks)
            {
                html.Add($" <a href=\"{DashboardPaths.Run(id)}{Layout.Query(("q", task))}#tasks\">{task}</a>");
            }
            html.Add($"</p><pre class=\"log\">{string.Join('\n', cluster.LastLines)}</pre></article>");
        }
        html.Add($"</section>");
        return Layout.Result(context, $"Run #{id}", html.ToRaw());
    }

    /// <summary>The part of the page that live updates replace: counts per state and progress per template.</summary>
    public static RawHtml Counts(RunInfo info, IReadOnlyList<TemplateSummary> templates)
    {
        ArgumentNullException.ThrowIfNull(info);
        var total = info.Tasks.Values.Sum();
        var html = new Html();
        html.Add($"<section aria-labelledby=\"counts-h\" id=\"counts\"><h2 id=\"counts-h\">Progress</h2><p class=\"summary\"><span data-status>{Layout.Status(info.Run.Status)}</span> {RunsPage.TaskCounts(info.Tasks)} <span class=\"muted\">of {total} tasks</span></p>");
        html.Add($"<div class=\"scroll\"><table class=\"templates\"><caption class=\"sr-only\">Tasks per template and state</caption><thead><tr><th scope=\"col\">Template</th><th scope=\"col\">Done</th><th scope=\"col\">Progress</th><th scope=\"col\">States</th></tr></thead><tbody>");
        foreach (var template in templates)
        {
            var done = template.Counts.GetValueOrDefault(TaskState.Done);
            html.Add($"<tr data-template=\"{template.Name}\"><th scope=\"row\">{template.Name}</th><td>{done}/{template.Total}</td><td><progress max=\"{template.Total}\" value=\"{done}\" aria-label=\"{template.Name}: {done} of {template.Total} done\">{done}/{template.Total}</progress></td><td>{RunsPage.TaskCounts(template.Counts)}</td></tr>");
        }
        html.Add($"</tbody></table></div></section>");
        return html.ToRaw();
    }

    public static RawHtml Antiforgery(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return Html.Of($"<input type=\"hidden\" name=\"{tokens.FormFieldName}\" value=\"{tokens.RequestToken}\">");
    }

    private static async Task TasksAsync(Html html, NodeQueries queries, long runId, TaskView view, CancellationToken cancellationToken)
    {
        TaskState? state = null;
        if (!string.IsNullOrEmpty(view.State))
        {
            state = LifecycleNames.TryParseState(view.State, out var parsed)
                ? parsed
                : throw new BatonInputException($"state '{QuotedText.Escape(view.State)}' is not a task state");
        }
        if (!TaskView.Sorts.Contains(view.Sort))
        {
            throw new BatonInputException($"sort '{QuotedText.Escape(view.Sort)}' is not known (known: {string.Join(", ", TaskView.Sorts)})");
        }
        html.Add($"<form class=\"filters\" method=\"get\" action=\"{DashboardPaths.Run(runId)}#tasks\" role=\"search\" aria-label=\"Filter tasks\">");
        html.Add($"<span class=\"field\"><label for=\"t-state\">State</label><select name=\"state\" id=\"t-state\"><option value=\"\">any</option>");
        foreach (var s in Enum.GetValues<TaskState>())
        {
            html.Add($"<option value=\"{s.ToWord()}\"{RunsPage.Selected(s == state)}>{s.ToWord()}</option>");
        }
        html.Add($"</select></span> <span class=\"field\"><label for=\"t-q\">Name</label><input name=\"q\" id=\"t-q\" value=\"{view.Text}\" placeholder=\"part of a name\"></span> <span class=\"field\"><label for=\"t-sort\">Sort</label><select name=\"sort\" id=\"t-sort\">");
        foreach (var sort in TaskView.Sorts)
        {
            html.Add($"<option value=\"{sort}\"{RunsPage.Selected(sort == view.Sort)}>{sort}</option>");
        }
        html.Add($"</select></span> <button type=\"submit\">Show</button></form>");

        IReadOnlyList<TaskRow> rows;
        string? next = null;
        var more = false;
        var query = new TaskQuery { RunId = runId, States = state is { } st ? [st] : null, Limit = PageSize };
        if (string.IsNullOrEmpty(view.Text) && view.Sort == "order")
        {
            // The workflow's order: the store pages it by key, as fast on page 1,000 as on page 1.
            var page = await queries.ListTasksAsync(query with { After = string.IsNullOrEmpty(view.After) ? null : view.After }, cancellationToken);
            rows = page.Tasks;
            next = page.Next;
        }
        else
        {
            var all = new List<TaskRow>();
            string? after = null;
            do
            {
                var page = await queries.ListTasksAsync(query with { After = after, Limit = NodeQueries.MaxLimit }, cancellationToken);
                all.AddRange(page.Tasks);
                after = page.Next;
            }
            while (after is not null && all.Count <= InMemoryLimit);
            if (all.Count > InMemoryLimit)
            {
                throw new BatonInputException($"searching by part of a name or sorting needs at most {InMemoryLimit} matching tasks: filter by state first, or use the workflow's order");
            }
            IEnumerable<TaskRow> matching = string.IsNullOrEmpty(view.Text) ? all : all.Where(t => t.Name.Contains(view.Text, StringComparison.OrdinalIgnoreCase));
            matching = view.Sort switch
            {
                "name" => matching.OrderBy(t => t.Name, StringComparer.Ordinal),
                "state" => matching.OrderBy(t => t.State).ThenBy(t => t.Name, StringComparer.Ordinal),
                "updated" => matching.OrderByDescending(t => t.UpdatedAt),
                "attempts" => matching.OrderByDescending(t => t.AttemptCount),
                _ => matching,
            };
            var list = matching.Skip(view.Page * PageSize).Take(PageSize + 1).ToList();
            more = list.Count > PageSize;
            rows = list.Take(PageSize).ToList();
        }

        if (rows.Count == 0)
        {
            html.Add($"<p class=\"empty\">No task matches.</p>");
        }
        else
        {
            html.Add($"<div class=\"scroll\"><table class=\"tasks\"><caption class=\"sr-only\">Tasks of run {runId}</caption><thead><tr><th scope=\"col\">Task</th><th scope=\"col\">Template</th><th scope=\"col\">State</th><th scope=\"col\">Attempts</th><th scope=\"col\">Exit</th><th scope=\"col\">Updated</th></tr></thead><tbody>");
            foreach (var task in rows)
            {
                html.Add($"<tr><td><a href=\"{DashboardPaths.Task(task.TaskId)}\">{task.Name}</a></td><td>{task.Template}</td><td>{Layout.State(task.State)}</td><td>{task.AttemptCount}</td><td>{task.LastExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"}</td><td>{Layout.Time(task.UpdatedAt)}</td></tr>");
            }
            html.Add($"</tbody></table></div>");
        }
        html.Add($"<nav class=\"pager\" aria-label=\"Pages of tasks\">");
        if (!string.IsNullOrEmpty(view.After) || view.Page > 0)
        {
            html.Add($"<a href=\"{view.Link(runId)}\">First page</a> ");
        }
        if (next is not null)
        {
            html.Add($"<a rel=\"next\" href=\"{view.Link(runId, after: next)}\">Next page</a>");
        }
        else if (more)
        {
            html.Add($"<a rel=\"next\" href=\"{view.Link(runId, page: view.Page + 1)}\">Next page</a>");
        }
        html.Add($"</nav>");
    }
}
