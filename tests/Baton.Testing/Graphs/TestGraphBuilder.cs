using Baton.Core.Commands;
using Baton.Core.Graph;
using Baton.Core.Identity;
using Baton.Core.Resources;

namespace Baton.Testing.Graphs;

/// <summary>
/// Builds a <see cref="WorkflowGraph"/> by hand, without a workflow file. Every template runs
/// <c>echo {value}</c> with <c>value</c> as its one node argument, so a task's identity is fixed by its template
/// name and value alone: the same (template, value) in two graphs is the same task. Tasks must be added after the
/// tasks they run after, which keeps the graph in topological order.
/// </summary>
public sealed class TestGraphBuilder(string workflowName = "test")
{
    public const string DefaultTemplate = "echo";
    public const string Command = "echo {value}";
    public const string ValueArgument = "value";

    private static readonly CommandTemplate ParsedCommand = CommandTemplate.Parse(Command);

    private readonly Dictionary<string, TemplateSpec> _templates = new(StringComparer.Ordinal);
    private readonly List<TaskSpec> _tasks = [];
    private readonly List<int[]> _upstream = [];
    private readonly Dictionary<string, int> _indexByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _workflowArgs = new(StringComparer.Ordinal);
    private string _sourceFile = $"/workflows/{workflowName}.yaml";

    public TestGraphBuilder WithArg(string name, string value)
    {
        _workflowArgs[name] = value;
        return this;
    }

    public TestGraphBuilder WithSourceFile(string path)
    {
        _sourceFile = path;
        return this;
    }

    /// <summary>Adds a task; <paramref name="value"/> (default: the name) and <paramref name="template"/> define its identity.</summary>
    public TestGraphBuilder Task(
        string name,
        string? value = null,
        string template = DefaultTemplate,
        IReadOnlyList<string>? after = null,
        IReadOnlyList<string>? tags = null,
        IReadOnlyDictionary<string, string>? attributes = null,
        int maxAttempts = 3,
        int priority = 0,
        ResourceRequest? resources = null)
    {
        var upstream = (after ?? []).Select(u => _indexByName.TryGetValue(u, out var i)
            ? i
            : throw new ArgumentException($"task '{name}' runs after '{u}', which is not added yet", nameof(after))).ToArray();
        _indexByName.Add(name, _tasks.Count);
        _tasks.Add(CreateTask(Template(template), name, value ?? name, tags, attributes, maxAttempts, priority, resources));
        _upstream.Add(upstream);
        return this;
    }

    public WorkflowGraph Build() =>
        new(workflowName, new Dictionary<string, string>(_workflowArgs), _sourceFile, Path.GetDirectoryName(_sourceFile) ?? "/",
            _tasks.ToArray(), _upstream.ToArray());

    private TemplateSpec Template(string name)
    {
        if (!_templates.TryGetValue(name, out var template))
        {
            template = CreateTemplate(name);
            _templates.Add(name, template);
        }
        return template;
    }

    internal static TemplateSpec CreateTemplate(string name) => new()
    {
        Name = name,
        Command = ParsedCommand,
        NodeArgs = [ValueArgument],
        Resources = ResourceRequest.Default,
    };

    internal static TaskSpec CreateTask(
        TemplateSpec template,
        string name,
        string value,
        IReadOnlyList<string>? tags = null,
        IReadOnlyDictionary<string, string>? attributes = null,
        int maxAttempts = 3,
        int priority = 0,
        ResourceRequest? resources = null)
    {
        var arguments = new Dictionary<string, string>(1, StringComparer.Ordinal) { [ValueArgument] = value };
        return new TaskSpec
        {
            Name = name,
            Template = template,
            Identity = CommandTaskIdentity.Compute(template.Name, template.Command, template.NodeArgs, template.TaskArgs, template.OpArgs, arguments, []),
            Command = new TaskCommand(template.Command, arguments),
            Resources = resources ?? template.Resources,
            MaxAttempts = maxAttempts,
            Priority = priority,
            Tags = tags ?? [],
            Attributes = attributes ?? new Dictionary<string, string>(),
        };
    }
}
