using System.Text;
using Baton.Core.Commands;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Turns <c>after:</c> entries and <c>{dir:NAME}</c> references into edges. Lookups are by dictionary and each
/// template's task list is built once, so the work is linear in tasks + edges.
/// </summary>
internal sealed class DependencyResolver
{
    private readonly YamlSource _source;
    private readonly IReadOnlyList<ExpandedTask> _tasks;
    private readonly IReadOnlyDictionary<string, int> _byName;
    private readonly IReadOnlyDictionary<string, CompiledTemplate> _templates;
    private readonly IReadOnlyDictionary<string, int[]> _groups;
    private readonly Dictionary<string, List<int>> _tasksByTemplate;
    // The edges of the task being resolved; _seen[u] == i + 1 when task i already has edge u, so that duplicate
    // edges collapse in O(1) each.
    private readonly List<int> _edges = [];
    private readonly int[] _seen;

    public DependencyResolver(
        YamlSource source,
        IReadOnlyList<ExpandedTask> tasks,
        IReadOnlyDictionary<string, int> byName,
        IReadOnlyDictionary<string, CompiledTemplate> templates,
        IReadOnlyDictionary<string, int[]>? groups = null)
    {
        _groups = groups ?? new Dictionary<string, int[]>();
        _source = source;
        _tasks = tasks;
        _byName = byName;
        _templates = templates;
        _seen = new int[tasks.Count];
        _tasksByTemplate = TasksByTemplate(tasks);
    }

    /// <summary>The tasks of each template (one-off tasks excepted), in declaration order.</summary>
    public static Dictionary<string, List<int>> TasksByTemplate(IReadOnlyList<ExpandedTask> tasks)
    {
        var byTemplate = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            var template = tasks[i].Entry.Template;
            if (!template.IsOneOff)
            {
                if (!byTemplate.TryGetValue(template.Spec.Name, out var members))
                {
                    byTemplate.Add(template.Spec.Name, members = []);
                }
                members.Add(i);
            }
        }
        return byTemplate;
    }

    /// <summary>
    /// For each task (by declaration index): its upstream tasks, without duplicates, in the order the task names
    /// them (<c>after:</c> first, then <c>{dir:...}</c>).
    /// </summary>
    public int[][] Upstream { get; private set; } = [];

    /// <summary>For each task: the task each <c>{dir:...}</c> reference names, in order of appearance.</summary>
    public int[][] Inputs { get; private set; } = [];

    public void ResolveAll()
    {
        var upstream = new int[_tasks.Count][];
        var inputs = new int[_tasks.Count][];
        for (var i = 0; i < _tasks.Count; i++)
        {
            _edges.Clear();
            var task = _tasks[i];
            var after = task.Entry.After;
            // Indexed rather than foreach: an enumerator per task adds up over 100,000 tasks.
            for (var a = 0; a < after.Count; a++)
            {
                var (pattern, node) = after[a];
                ResolveAfter(i, pattern.Expand(task.Values), pattern, node);
            }
            var references = task.Command.DirectoryReferences;
            var taskInputs = references.Count == 0 ? [] : new int[references.Count];
            for (var r = 0; r < references.Count; r++)
            {
                taskInputs[r] = ResolveDirectory(i, r);
                AddEdge(i, taskInputs[r]);
            }
            upstream[i] = _edges.Count == 0 ? [] : [.. _edges];
            inputs[i] = taskInputs;
        }
        Upstream = upstream;
        Inputs = inputs;
    }

    /// <summary><see cref="Upstream"/> with more edges (task, upstream) added, without duplicates; the same arrays when there are none.</summary>
    public int[][] WithEdges(IReadOnlyList<(int Task, int Upstream)> edges)
    {
        if (edges.Count == 0)
        {
            return Upstream;
        }
        var upstream = (int[][])Upstream.Clone();
        foreach (var group in edges.GroupBy(e => e.Task))
        {
            upstream[group.Key] = upstream[group.Key].Concat(group.Select(e => e.Upstream)).Distinct().ToArray();
        }
        return upstream;
    }

    private void AddEdge(int i, int u)
    {
        if (_seen[u] != i + 1)
        {
            _seen[u] = i + 1;
            _edges.Add(u);
        }
    }

    private void ResolveAfter(int i, string target, NamePattern pattern, YamlScalarNode node)
    {
        var isTask = _byName.TryGetValue(target, out var t);
        var isTemplate = _tasksByTemplate.TryGetValue(target, out var members);
        var shown = pattern.IsLiteral ? $"after: '{target}'" : $"after: '{pattern.Text}' (here '{target}')";
        // A task named like its template's only task (the default name of a template without node arguments)
        // means the same thing either way; anything else would be a guess.
        if (isTask && isTemplate && !(members!.Count == 1 && members[0] == t))
        {
            throw _source.Error(node, $"{shown} is ambiguous: it is both a task and a template (rename one of them)");
        }
        if (isTask)
        {
            if (t == i)
            {
                throw _source.Error(node, $"task '{_tasks[i].Name}' cannot run after itself");
            }
            AddEdge(i, t);
        }
        else if (isTemplate)
        {
            foreach (var member in members!)
            {
                if (member == i)
                {
                    throw _source.Error(node, $"task '{_tasks[i].Name}' cannot run after itself ({shown} includes it)");
                }
                AddEdge(i, member);
            }
        }
        else if (_groups.TryGetValue(target, out var groupTasks))
        {
            foreach (var member in groupTasks)
            {
                if (member == i)
                {
                    throw _source.Error(node, $"task '{_tasks[i].Name}' cannot run after its own group ({shown})");
                }
                AddEdge(i, member);
            }
        }
        else if (_templates.ContainsKey(target))
        {
            throw _source.Error(node, $"{shown} names template '{target}', which no task uses");
        }
        else
        {
            var known = _byName.Keys.Concat(_templates.Keys).Concat(_groups.Keys);
            throw _source.Error(node, $"{shown} names no task{(_groups.Count > 0 ? ", template or group" : " or template")}{Suggestions.DidYouMean(target, known)}");
        }
    }

    private int ResolveDirectory(int i, int r)
    {
        var task = _tasks[i];
        var target = task.Command.DirectoryReferences[r];
        var found = _byName.TryGetValue(target, out var t);
        if (found && t != i)
        {
            return t;
        }
        var template = task.Entry.Template;
        var written = Written(template.Spec.Command.DirectoryReferences.ElementAt(r));
        // A one-off task's command is its own; a template's command is shared, so the task is what is at fault.
        var (location, prefix) = template.IsOneOff
            ? (_source.At(task.Entry.Declaration.Command!), "")
            : (task.Entry.Location, $"task '{task.Name}': ");
        var shown = written == "{dir:" + target + "}" ? written : $"{written} (here '{target}')";
        string problem;
        if (found)
        {
            problem = $"{shown} names the task itself (use {{task_dir}} for its own directory)";
        }
        else if (_templates.ContainsKey(target))
        {
            problem = $"{shown} names template '{target}'; {{dir:...}} needs the name of one task";
        }
        else
        {
            problem = $"{shown} names no task{Suggestions.DidYouMean(target, _byName.Keys)}";
        }
        throw WorkflowErrors.At(location, prefix + problem);
    }

    /// <summary>A <c>{dir:...}</c> reference as written in the command, for messages.</summary>
    private static string Written(DirectoryReferenceSegment reference)
    {
        var sb = new StringBuilder("{dir:");
        foreach (var part in reference.TaskName)
        {
            sb.Append(part switch
            {
                LiteralSegment literal => literal.Text,
                ArgumentSegment argument => "{" + argument.Name + "}",
                _ => "",
            });
        }
        return sb.Append('}').ToString();
    }
}
