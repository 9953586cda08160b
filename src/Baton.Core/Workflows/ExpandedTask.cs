using Baton.Core.Commands;
using Baton.Core.Errors;
using Baton.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>One entry under <c>tasks:</c>, resolved; shared by every task its <c>foreach</c> makes.</summary>
internal sealed class TaskEntry(
    TaskDeclaration declaration,
    CompiledTemplate template,
    SourceLocation location,
    Settings settings,
    IReadOnlyList<(NamePattern Pattern, YamlScalarNode Node)> after,
    Graph.TaskHooks hooks)
{
    public TaskDeclaration Declaration { get; } = declaration;
    public CompiledTemplate Template { get; } = template;

    /// <summary>The start of the entry: where errors about its tasks point.</summary>
    public SourceLocation Location { get; } = location;

    public ResourceRequest Resources { get; } = settings.Resources;
    public int MaxAttempts { get; } = settings.EffectiveMaxAttempts;
    public int Priority { get; } = settings.EffectivePriority;
    public Retries.RetryRules Retry { get; } = settings.Retry;
    public IReadOnlyDictionary<string, int> Tokens { get; } = settings.EffectiveTokens;

    /// <summary>Its tasks' hooks, compiled once for the entry.</summary>
    public Graph.TaskHooks Hooks { get; } = hooks;

    /// <summary>The <c>after:</c> entries, parsed, with their nodes for errors.</summary>
    public IReadOnlyList<(NamePattern Pattern, YamlScalarNode Node)> After { get; } = after;
}

/// <summary>One task of the workflow, with its arguments bound; its index is its place in declaration order.</summary>
internal sealed class ExpandedTask(string name, TaskEntry entry, IReadOnlyDictionary<string, string> values, TaskCommand command)
{
    public string Name { get; } = name;
    public TaskEntry Entry { get; } = entry;

    /// <summary>Every argument's value (node, task and op), in the template's declaration order.</summary>
    public IReadOnlyDictionary<string, string> Values { get; } = values;

    public TaskCommand Command { get; } = command;
}
