using System.Globalization;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Hosting.Queries;

namespace Baton.Dashboard.Pages;

/// <summary>
/// The run page's pictures as server-rendered SVG: the graph of templates (never of tasks, so its size is the
/// workflow's, not the run's) and a timeline of attempts. Colours come from the stylesheet's classes; each shape has
/// a title, and the same numbers are in the page's tables.
/// </summary>
internal static class RunCharts
{
    /// <summary>At most this many templates are drawn; a workflow with more is summed up in the table.</summary>
    public const int MaxTemplates = 200;

    /// <summary>At most this many attempts are drawn, the first ones.</summary>
    public const int MaxAttempts = 300;

    private const int BoxWidth = 190;
    private const int BoxHeight = 58;
    private const int ColumnGap = 60;
    private const int RowGap = 24;

    public static RawHtml Graph(IReadOnlyList<TemplateSummary> templates)
    {
        if (templates.Count == 0)
        {
            return Html.Of($"<p class=\"empty\">No task.</p>");
        }
        var drawn = templates.Take(MaxTemplates).ToList();
        var depth = Depths(drawn);
        var columns = drawn.GroupBy(t => depth[t.Name]).OrderBy(g => g.Key).ToList();
        var position = new Dictionary<string, (int X, int Y)>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            var row = 0;
            foreach (var template in column)
            {
                position[template.Name] = (10 + column.Key * (BoxWidth + ColumnGap), 10 + row++ * (BoxHeight + RowGap));
            }
        }
        var width = position.Values.Max(p => p.X) + BoxWidth + 10;
        var height = position.Values.Max(p => p.Y) + BoxHeight + 10;
        var html = new Html();
        html.Add($"<svg class=\"graph\" role=\"img\" aria-labelledby=\"graph-t\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\"><title id=\"graph-t\">Templates of the workflow, each after the templates it waits for, with its tasks per state</title>");
        html.Add($"<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" class=\"edge-head\"/></marker></defs>");
        foreach (var template in drawn)
        {
            var (x, y) = position[template.Name];
            foreach (var upstream in template.Upstream.Where(position.ContainsKey))
            {
                var (ux, uy) = position[upstream];
                html.Add($"<line class=\"edge\" x1=\"{ux + BoxWidth}\" y1=\"{uy + BoxHeight / 2}\" x2=\"{x}\" y2=\"{y + BoxHeight / 2}\" marker-end=\"url(#arrow)\"/>");
            }
        }
        foreach (var template in drawn)
        {
            var (x, y) = position[template.Name];
            var done = template.Counts.GetValueOrDefault(TaskState.Done);
            html.Add($"<g class=\"node\" data-template=\"{template.Name}\"><title>{template.Name}: {Describe(template.Counts)}</title><rect class=\"box\" x=\"{x}\" y=\"{y}\" width=\"{BoxWidth}\" height=\"{BoxHeight}\" rx=\"6\"/>");
            html.Add($"<text x=\"{x + 8}\" y=\"{y + 20}\" class=\"label\">{Shorten(template.Name, 24)}</text><text x=\"{x + 8}\" y=\"{y + 38}\" class=\"small\">{done}/{template.Total} done</text>");
            double offset = 0;
            foreach (var (state, count) in template.Counts.OrderBy(c => c.Key))
            {
                var w = (BoxWidth - 16) * (double)count / Math.Max(1, template.Total);
                html.Add($"<rect class=\"f-{state.ToWord()}\" x=\"{Num(x + 8 + offset)}\" y=\"{y + 45}\" width=\"{Num(w)}\" height=\"6\"/>");
                offset += w;
            }
            html.Add($"</g>");
        }
        html.Add($"</svg>");
        if (templates.Count > MaxTemplates)
        {
            html.Add($"<p class=\"muted\">The first {MaxTemplates} of {templates.Count} templates are drawn.</p>");
        }
        return Html.Of($"<div class=\"scroll\">{html.ToRaw()}</div>");
    }

    public static RawHtml Timeline(IReadOnlyList<AttemptListing> attempts, DateTimeOffset now)
    {
        if (attempts.Count == 0)
        {
            return Html.Of($"<p class=\"empty\">No attempt yet.</p>");
        }
        var drawn = attempts.OrderBy(a => a.Attempt.StartedAt).ThenBy(a => a.TaskId).Take(MaxAttempts).ToList();
        var start = drawn.Min(a => a.Attempt.StartedAt);
        var end = drawn.Max(a => a.Attempt.EndedAt ?? now);
        var span = Math.Max((end - start).TotalSeconds, 0.001);
        const int Label = 170;
        const int Chart = 700;
        const int Row = 16;
        var height = drawn.Count * Row + 34;
        var html = new Html();
        html.Add($"<div class=\"scroll\"><svg class=\"timeline\" role=\"img\" aria-labelledby=\"timeline-t\" viewBox=\"0 0 {Label + Chart + 10} {height}\" width=\"{Label + Chart + 10}\" height=\"{height}\"><title id=\"timeline-t\">Attempts of the run over time, one row each, from {Layout.Time(start)} to {Layout.Time(end)}</title>");
        for (var i = 0; i < drawn.Count; i++)
        {
            var attempt = drawn[i];
            var a = attempt.Attempt;
            var x = Label + Chart * (a.StartedAt - start).TotalSeconds / span;
            var w = Math.Max(2, Chart * ((a.EndedAt ?? now) - a.StartedAt).TotalSeconds / span);
            var outcome = a.Outcome?.ToWord() ?? "running";
            var y = i * Row + 4;
            html.Add($"<g><title>{attempt.Task} attempt {a.Number}: {outcome}, {Layout.Duration((a.EndedAt ?? now) - a.StartedAt)}</title><text x=\"0\" y=\"{y + 11}\" class=\"small\">{Shorten(attempt.Task, 26)} #{a.Number}</text>");
            html.Add($"<rect class=\"o-{outcome}\" x=\"{Num(x)}\" y=\"{y}\" width=\"{Num(w)}\" height=\"{Row - 4}\" rx=\"2\"/></g>");
        }
        var axis = drawn.Count * Row + 22;
        html.Add($"<line class=\"axis\" x1=\"{Label}\" y1=\"{axis - 12}\" x2=\"{Label + Chart}\" y2=\"{axis - 12}\"/><text x=\"{Label}\" y=\"{axis}\" class=\"small\">{Layout.Time(start)}</text><text x=\"{Label + Chart}\" y=\"{axis}\" class=\"small\" text-anchor=\"end\">+{Layout.Duration(end - start)}</text></svg></div>");
        if (attempts.Count > MaxAttempts)
        {
            html.Add($"<p class=\"muted\">The first {MaxAttempts} of {attempts.Count} attempts are drawn.</p>");
        }
        return html.ToRaw();
    }

    /// <summary>How far right each template goes: one column more than the deepest template it waits for.</summary>
    private static Dictionary<string, int> Depths(List<TemplateSummary> templates)
    {
        var byName = templates.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        int Of(string name, int guard)
        {
            if (depth.TryGetValue(name, out var known))
            {
                return known;
            }
            // A guard, not a cycle check: a workflow's DAG has none, but a drawing must never loop.
            var d = guard > templates.Count ? 0 : byName[name].Upstream.Where(byName.ContainsKey).Select(u => Of(u, guard + 1) + 1).DefaultIfEmpty(0).Max();
            depth[name] = d;
            return d;
        }
        foreach (var template in templates)
        {
            Of(template.Name, 0);
        }
        return depth;
    }

    private static string Describe(IReadOnlyDictionary<TaskState, int> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Value} {c.Key.ToWord()}")));

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
