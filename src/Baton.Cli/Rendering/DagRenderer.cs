using System.Globalization;
using System.Text;
using Baton.Core.Graph;

namespace Baton.Cli.Rendering;

/// <summary>
/// A workflow's dependency graph as text, Graphviz DOT or a Mermaid flowchart: by tasks, or by templates (one node
/// per template with its task count, an edge where some task of one runs after some task of the other), which is
/// what a large workflow can show. Drawn by tasks, a workflow's groups are clusters (DOT) or subgraphs (Mermaid),
/// nested as the groups are.
/// </summary>
internal static class DagRenderer
{
    /// <summary>Above this many tasks the graph is drawn by templates unless tasks are asked for.</summary>
    public const int MaxTasksShown = 200;

    public static string Render(WorkflowGraph graph, string format, bool byTemplates)
    {
        var (nodes, edges) = byTemplates ? ByTemplates(graph) : ByTasks(graph);
        var groups = byTemplates ? GroupTree.None : GroupTree.Of(graph);
        return format switch
        {
            "dot" => Dot(graph.Name, nodes, edges, groups),
            "mermaid" => Mermaid(nodes, edges, groups),
            _ => Text(nodes, edges),
        };
    }

    private static (List<string> Nodes, List<(int From, int To)> Edges) ByTasks(WorkflowGraph graph)
    {
        var nodes = graph.Tasks.Select(t => t.Name).ToList();
        var edges = new List<(int, int)>();
        for (var d = 0; d < graph.Upstream.Count; d++)
        {
            foreach (var u in graph.Upstream[d])
            {
                edges.Add((u, d));
            }
        }
        return (nodes, edges);
    }

    private static (List<string> Nodes, List<(int From, int To)> Edges) ByTemplates(WorkflowGraph graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var counts = new List<int>();
        var names = new List<string>();
        var of = new int[graph.Tasks.Count];
        for (var t = 0; t < graph.Tasks.Count; t++)
        {
            var name = graph.Tasks[t].Template.Name;
            if (!index.TryGetValue(name, out var i))
            {
                i = index[name] = names.Count;
                names.Add(name);
                counts.Add(0);
            }
            counts[i]++;
            of[t] = i;
        }
        var edges = new HashSet<(int, int)>();
        var ordered = new List<(int, int)>();
        for (var d = 0; d < graph.Upstream.Count; d++)
        {
            foreach (var u in graph.Upstream[d])
            {
                if (of[u] != of[d] && edges.Add((of[u], of[d])))
                {
                    ordered.Add((of[u], of[d]));
                }
            }
        }
        var nodes = names.Select((n, i) => string.Create(CultureInfo.InvariantCulture, $"{n} ({counts[i]} {(counts[i] == 1 ? "task" : "tasks")})")).ToList();
        return (nodes, ordered);
    }

    private static string Text(List<string> nodes, List<(int From, int To)> edges)
    {
        var upstream = nodes.Select(_ => new List<string>()).ToList();
        foreach (var (from, to) in edges)
        {
            upstream[to].Add(nodes[from]);
        }
        var text = new StringBuilder();
        for (var i = 0; i < nodes.Count; i++)
        {
            text.Append(nodes[i]);
            if (upstream[i].Count > 0)
            {
                text.Append("  <- ").AppendJoin(", ", upstream[i]);
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Dot(string name, List<string> nodes, List<(int From, int To)> edges, GroupTree groups)
    {
        var dot = new StringBuilder();
        dot.Append("digraph ").Append(DotQuote(name)).Append(" {\n  rankdir=LR;\n  node [shape=box];\n");
        void Members(int group, string indent)
        {
            foreach (var child in groups.Children(group))
            {
                dot.Append(indent).Append(CultureInfo.InvariantCulture, $"subgraph cluster_{child} {{\n")
                    .Append(indent).Append("  label=").Append(DotQuote(groups.Name(child))).Append(";\n");
                Members(child, indent + "  ");
                dot.Append(indent).Append("}\n");
            }
            foreach (var node in groups.Tasks(group, nodes.Count))
            {
                dot.Append(indent).Append(DotQuote(nodes[node])).Append(";\n");
            }
        }
        Members(GroupTree.Root, "  ");
        foreach (var (from, to) in edges)
        {
            dot.Append("  ").Append(DotQuote(nodes[from])).Append(" -> ").Append(DotQuote(nodes[to])).Append(";\n");
        }
        return dot.Append("}\n").ToString();
    }

    /// <summary>A DOT quoted ID: backslashes and quotes escaped, line breaks as spaces.</summary>
    private static string DotQuote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace('\n', ' ').Replace('\r', ' ') + "\"";

    private static string Mermaid(List<string> nodes, List<(int From, int To)> edges, GroupTree groups)
    {
        var mermaid = new StringBuilder("flowchart LR\n");
        void Members(int group, string indent)
        {
            foreach (var child in groups.Children(group))
            {
                mermaid.Append(indent).Append(CultureInfo.InvariantCulture, $"subgraph g{child}[\"{MermaidText(groups.Name(child))}\"]\n");
                Members(child, indent + "  ");
                mermaid.Append(indent).Append("end\n");
            }
            foreach (var i in groups.Tasks(group, nodes.Count))
            {
                // Node ids are indices; labels are quoted, with Mermaid's entity for a quote.
                mermaid.Append(indent).Append(CultureInfo.InvariantCulture, $"n{i}[\"{MermaidText(nodes[i])}\"]\n");
            }
        }
        Members(GroupTree.Root, "  ");
        foreach (var (from, to) in edges)
        {
            mermaid.Append(CultureInfo.InvariantCulture, $"  n{from} --> n{to}\n");
        }
        return mermaid.ToString();
    }

    private static string MermaidText(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal);
}
