using Baton.Core.Commands;
using Baton.Core.Graph;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Compiles <c>groups:</c> into ordinary edges (cattino's TaskGroup / TaskGraph, without its flaws: a dependent task
/// waits for every upstream task to be Done, never for it merely to have started). A member is a task, a template (all
/// its tasks) or another group (nesting); each task and group is a member of at most one group. "B after A", for
/// members or groups, means every task of B after every task of A.
/// </summary>
internal sealed class GroupCompiler
{
    private readonly YamlSource _source;
    private readonly IReadOnlyList<ExpandedTask> _tasks;
    private readonly IReadOnlyDictionary<string, int> _byName;
    private readonly IReadOnlyDictionary<string, CompiledTemplate> _templates;
    private readonly IReadOnlyList<GroupDeclaration> _declarations;
    private readonly Dictionary<string, int> _groupIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _tasksByTemplate;
    private int[][] _groupTasks = [];
    private int[] _parent = [];

    public GroupCompiler(YamlSource source, WorkflowFile file, IReadOnlyList<ExpandedTask> tasks, IReadOnlyDictionary<string, int> byName, IReadOnlyDictionary<string, CompiledTemplate> templates)
    {
        _source = source;
        _tasks = tasks;
        _byName = byName;
        _templates = templates;
        _declarations = file.Groups;
        _tasksByTemplate = DependencyResolver.TasksByTemplate(tasks);
    }

    /// <summary>Every task of each group by name (nested groups' included), for <c>after:</c> of tasks.</summary>
    public Dictionary<string, int[]> TasksByGroup { get; } = new(StringComparer.Ordinal);

    /// <summary>The edges the groups add: (task, upstream task), by declaration index.</summary>
    public List<(int Task, int Upstream)> Edges { get; } = [];

    public void CompileAll()
    {
        if (_declarations.Count == 0)
        {
            return;
        }
        for (var g = 0; g < _declarations.Count; g++)
        {
            var declaration = _declarations[g];
            if (Names.TemplateNameProblem(declaration.Name) is { } problem)
            {
                throw _source.Error(declaration.NameNode, $"group name '{declaration.Name}' is not valid: {problem}");
            }
            if (_byName.ContainsKey(declaration.Name) || _templates.ContainsKey(declaration.Name))
            {
                throw _source.Error(declaration.NameNode, $"group '{declaration.Name}' has the name of a {(_byName.ContainsKey(declaration.Name) ? "task" : "template")} (rename one of them)");
            }
            _groupIndex.Add(declaration.Name, g);
        }
        AssignMembers();
        _groupTasks = new int[_declarations.Count][];
        for (var g = 0; g < _declarations.Count; g++)
        {
            TasksByGroup[_declarations[g].Name] = TasksOf(g);
        }
        for (var g = 0; g < _declarations.Count; g++)
        {
            AddOrderEdges(g);
            AddAfterEdges(g);
        }
    }

    /// <summary>The groups for the graph; <paramref name="position"/> maps declaration index to graph index.</summary>
    public List<TaskGroupSpec> Specs(int[] position)
    {
        var specs = new List<TaskGroupSpec>(_declarations.Count);
        for (var g = 0; g < _declarations.Count; g++)
        {
            var declaration = _declarations[g];
            specs.Add(new TaskGroupSpec(
                declaration.Name,
                _groupTasks[g].Select(t => position[t]).Order().ToArray(),
                _parent[g],
                Hook(declaration, declaration.OnStart),
                Hook(declaration, declaration.OnEnd)));
        }
        return specs;
    }

    /// <summary>Each task and group is a direct member of at most one group, and no group contains itself.</summary>
    private void AssignMembers()
    {
        _parent = Enumerable.Repeat(-1, _declarations.Count).ToArray();
        var taskGroup = new Dictionary<int, int>();
        for (var g = 0; g < _declarations.Count; g++)
        {
            foreach (var node in _declarations[g].Members)
            {
                var member = Resolve(node, $"group '{_declarations[g].Name}'");
                if (member.Group is { } sub)
                {
                    if (sub == g)
                    {
                        throw _source.Error(node, $"group '{_declarations[g].Name}' cannot be a member of itself");
                    }
                    if (_parent[sub] >= 0)
                    {
                        throw _source.Error(node, $"group '{_declarations[sub].Name}' is already a member of group '{_declarations[_parent[sub]].Name}'");
                    }
                    _parent[sub] = g;
                    continue;
                }
                foreach (var t in member.Tasks)
                {
                    if (!taskGroup.TryAdd(t, g))
                    {
                        throw _source.Error(node, $"task '{_tasks[t].Name}' is already a member of group '{_declarations[taskGroup[t]].Name}'");
                    }
                }
            }
        }
        for (var g = 0; g < _declarations.Count; g++)
        {
            var path = new List<int> { g };
            for (var p = _parent[g]; p >= 0; p = _parent[p])
            {
                path.Add(p);
                if (p == g)
                {
                    throw _source.Error(_declarations[g].NameNode,
                        $"groups contain each other: {string.Join(" in ", path.Select(x => _declarations[x].Name))}");
                }
            }
        }
    }

    private int[] TasksOf(int g)
    {
        if (_groupTasks[g] is { } done)
        {
            return done;
        }
        var tasks = new List<int>();
        foreach (var node in _declarations[g].Members)
        {
            var member = Resolve(node, "");
            tasks.AddRange(member.Group is { } sub ? TasksOf(sub) : member.Tasks);
        }
        return _groupTasks[g] = [.. tasks];
    }

    private void AddOrderEdges(int g)
    {
        var declaration = _declarations[g];
        var units = declaration.Members.Select(m => Resolve(m, "").AllTasks(this)).ToArray();
        if (declaration.Strategy == "sequential")
        {
            for (var i = 1; i < units.Length; i++)
            {
                Connect(units[i], units[i - 1]);
            }
        }
        else if (declaration.Strategy == "graph")
        {
            var memberIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < declaration.Members.Count; i++)
            {
                memberIndex[declaration.Members[i].Value!] = i;
            }
            foreach (var (memberNode, afterNodes) in declaration.Graph)
            {
                var member = MemberIndex(memberIndex, memberNode, declaration);
                foreach (var afterNode in afterNodes)
                {
                    var upstream = MemberIndex(memberIndex, afterNode, declaration);
                    if (upstream == member)
                    {
                        throw _source.Error(afterNode, $"graph: '{afterNode.Value}' cannot run after itself");
                    }
                    Connect(units[member], units[upstream]);
                }
            }
        }
    }

    private void AddAfterEdges(int g)
    {
        var declaration = _declarations[g];
        var own = new HashSet<int>(_groupTasks[g]);
        foreach (var node in declaration.After)
        {
            var upstream = Resolve(node, $"after: of group '{declaration.Name}'").AllTasks(this);
            if (upstream.Any(own.Contains))
            {
                throw _source.Error(node, $"group '{declaration.Name}' cannot run after '{node.Value}': they share tasks");
            }
            Connect(_groupTasks[g], upstream);
        }
    }

    private int MemberIndex(Dictionary<string, int> members, YamlScalarNode node, GroupDeclaration declaration) =>
        members.TryGetValue(node.Value!, out var i)
            ? i
            : throw _source.Error(node, $"graph: '{node.Value}' is not a member of group '{declaration.Name}'{Suggestions.DidYouMean(node.Value!, members.Keys)}");

    private void Connect(int[] tasks, int[] upstream)
    {
        foreach (var t in tasks)
        {
            foreach (var u in upstream)
            {
                Edges.Add((t, u));
            }
        }
    }

    /// <summary>A name in members:, graph: or after:: a group, a task, or a template (all its tasks).</summary>
    private Member Resolve(YamlScalarNode node, string where)
    {
        var name = node.Value!;
        if (_groupIndex.TryGetValue(name, out var g))
        {
            return new Member(g, []);
        }
        var isTask = _byName.TryGetValue(name, out var t);
        var isTemplate = _tasksByTemplate.TryGetValue(name, out var members);
        if (isTask && isTemplate && !(members!.Count == 1 && members[0] == t))
        {
            throw _source.Error(node, $"'{name}' is ambiguous: it is both a task and a template (rename one of them)");
        }
        if (isTask)
        {
            return new Member(null, [t]);
        }
        if (isTemplate)
        {
            return new Member(null, [.. members!]);
        }
        var known = _byName.Keys.Concat(_tasksByTemplate.Keys).Concat(_groupIndex.Keys);
        throw _source.Error(node, $"{(where.Length > 0 ? where + ": " : "")}'{name}' names no task, template or group{Suggestions.DidYouMean(name, known)}");
    }

    private CommandHook? Hook(GroupDeclaration declaration, YamlScalarNode? node)
    {
        if (node is null)
        {
            return null;
        }
        var command = TemplateCompiler.ParseCommand(_source, node);
        if (command.ArgumentNames.FirstOrDefault(a => a != "group") is { } argument)
        {
            throw _source.Error(node, $"group '{declaration.Name}': a hook's placeholders are {{group}}, {{workflow_dir}} and {{workspace}}, not {{{argument}}}");
        }
        if (command.DirectoryReferences.Any() || ((Builtin[])[Builtin.TaskDir, Builtin.Attempt, Builtin.AttemptDir, Builtin.UpstreamDirs]).Any(command.Uses))
        {
            throw _source.Error(node, $"group '{declaration.Name}': a hook's placeholders are {{group}}, {{workflow_dir}} and {{workspace}} (a hook belongs to no task)");
        }
        return new CommandHook(command);
    }

    private sealed record Member(int? Group, int[] Tasks)
    {
        public int[] AllTasks(GroupCompiler compiler) => Group is { } g ? compiler._groupTasks[g] : Tasks;
    }
}
