using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

// What a workflow file says, checked for shape (keys, lists, maps, numbers) but not yet for meaning (which
// template exists, which arguments a task needs). Nodes are kept so that later checks can point at them.

/// <summary>A whole workflow file.</summary>
internal sealed record WorkflowFile(
    string Name,
    IReadOnlyDictionary<string, string> WorkflowArgs,
    Settings Defaults,
    IReadOnlyList<TemplateDeclaration> Templates,
    IReadOnlyList<TaskDeclaration> Tasks)
{
    public int? MaxConcurrent { get; init; }

    public bool FailFast { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    /// <summary>The entries under <c>groups:</c>, in file order.</summary>
    public IReadOnlyList<GroupDeclaration> Groups { get; init; } = [];
}

/// <summary>One entry under <c>templates:</c>.</summary>
internal sealed record TemplateDeclaration(
    string Name,
    YamlScalarNode NameNode,
    YamlScalarNode Command,
    IReadOnlyList<ArgumentDeclaration> Arguments,
    Settings Settings)
{
    public int? MaxConcurrent { get; init; }
}

/// <summary>The role of a template argument: node and task arguments define identity, op arguments do not.</summary>
internal enum ArgumentRole
{
    Node,
    Task,
    Op,
}

/// <summary>One name in <c>node_args</c>, <c>task_args</c> or <c>op_args</c>.</summary>
internal sealed record ArgumentDeclaration(string Name, ArgumentRole Role, YamlScalarNode Node);

/// <summary>One entry under <c>tasks:</c>; with <c>foreach</c> it stands for many tasks.</summary>
internal sealed record TaskDeclaration(
    YamlMappingNode Node,
    YamlScalarNode? Name,
    YamlScalarNode? Template,
    YamlScalarNode? Command,
    IReadOnlyList<ForeachDeclaration> Foreach,
    IReadOnlyList<ArgumentValue> Args,
    IReadOnlyList<YamlScalarNode> After,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> Attributes,
    Settings Settings);

/// <summary>One <c>args:</c> entry: a fixed value.</summary>
internal sealed record ArgumentValue(string Name, YamlScalarNode Key, string Value);

/// <summary>One <c>foreach:</c> entry: an argument and the values it takes, one task per combination.</summary>
internal sealed record ForeachDeclaration(string Name, YamlScalarNode Key, IReadOnlyList<string> Values);

/// <summary>One entry under <c>groups:</c>.</summary>
internal sealed record GroupDeclaration(
    string Name,
    YamlScalarNode NameNode,
    string Strategy,
    YamlNode? StrategyNode,
    IReadOnlyList<YamlScalarNode> Members,
    IReadOnlyList<(YamlScalarNode Member, IReadOnlyList<YamlScalarNode> After)> Graph,
    IReadOnlyList<YamlScalarNode> After,
    YamlScalarNode? OnStart,
    YamlScalarNode? OnEnd);
