using Baton.Core.Graph;

namespace Baton.Cli.Rendering;

/// <summary>
/// A workflow's groups as a tree for drawing: each group's child groups, and each task placed in the innermost group
/// it belongs to (a group lists every task of its nested groups too).
/// </summary>
internal sealed class GroupTree
{
    /// <summary>The workflow itself: the parent of top-level groups and the home of tasks in no group.</summary>
    public const int Root = -1;

    private readonly IReadOnlyList<TaskGroupSpec> _groups;
    private readonly Dictionary<int, List<int>> _tasks;

    private GroupTree(IReadOnlyList<TaskGroupSpec> groups, Dictionary<int, List<int>> tasks)
    {
        _groups = groups;
        _tasks = tasks;
    }

    /// <summary>No groups: every task at the top.</summary>
    public static GroupTree None { get; } = new([], []);

    public static GroupTree Of(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var groups = graph.Groups;
        var depth = new int[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            for (var p = groups[g].Parent; p != Root; p = groups[p].Parent)
            {
                depth[g]++;
            }
        }
        var innermost = new Dictionary<int, int>();
        for (var g = 0; g < groups.Count; g++)
        {
            foreach (var t in groups[g].Tasks)
            {
                if (!innermost.TryGetValue(t, out var other) || depth[g] > depth[other])
                {
                    innermost[t] = g;
                }
            }
        }
        var tasks = new Dictionary<int, List<int>>();
        foreach (var (task, group) in innermost.OrderBy(p => p.Key))
        {
            if (!tasks.TryGetValue(group, out var list))
            {
                tasks[group] = list = [];
            }
            list.Add(task);
        }
        return new GroupTree(groups, tasks);
    }

    public string Name(int group) => _groups[group].Name;

    /// <summary>The groups directly inside <paramref name="group"/>, in the order the workflow declares them.</summary>
    public IEnumerable<int> Children(int group) => Enumerable.Range(0, _groups.Count).Where(g => _groups[g].Parent == group);

    /// <summary>The tasks whose innermost group is <paramref name="group"/> (for <see cref="Root"/>: those in no group).</summary>
    public IEnumerable<int> Tasks(int group, int taskCount)
    {
        if (group != Root)
        {
            return _tasks.TryGetValue(group, out var list) ? list : [];
        }
        var grouped = _tasks.Values.SelectMany(l => l).ToHashSet();
        return Enumerable.Range(0, taskCount).Where(t => !grouped.Contains(t));
    }
}
