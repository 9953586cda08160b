using Baton.Core.Commands;
using Baton.Core.Graph;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// The task hooks written at one level (defaults, a template or a task entry): each falls through to the level
/// below on its own, like the other settings.
/// </summary>
internal sealed record TaskHookDeclarations(YamlScalarNode? OnStart, YamlScalarNode? OnSuccess, YamlScalarNode? OnFailure, YamlScalarNode? OnEnd)
{
    public static readonly string[] Keys = ["on_start", "on_success", "on_failure", "on_end"];

    /// <summary>The hooks among <paramref name="fields"/>; null when there are none.</summary>
    public static TaskHookDeclarations? Read(YamlSource source, YamlFields fields)
    {
        var nodes = Keys.Select(key => fields[key] is { } node ? Scalar(source, node, key) : null).ToArray();
        return nodes.All(n => n is null) ? null : new TaskHookDeclarations(nodes[0], nodes[1], nodes[2], nodes[3]);
    }

    public TaskHookDeclarations Over(TaskHookDeclarations lower) =>
        new(OnStart ?? lower.OnStart, OnSuccess ?? lower.OnSuccess, OnFailure ?? lower.OnFailure, OnEnd ?? lower.OnEnd);

    /// <summary>The hooks as commands, checked against the arguments of the template they run for.</summary>
    public TaskHooks Compile(YamlSource source, CompiledTemplate template) => new(
        Command(source, OnStart, "on_start", template),
        Command(source, OnSuccess, "on_success", template),
        Command(source, OnFailure, "on_failure", template),
        Command(source, OnEnd, "on_end", template));

    private static CommandTemplate? Command(YamlSource source, YamlScalarNode? node, string key, CompiledTemplate template)
    {
        if (node is null)
        {
            return null;
        }
        var command = TemplateCompiler.ParseCommand(source, node, $"{key} hook");
        if (command.QuotedNames.FirstOrDefault(q => template.Roles.ContainsKey(q.Name)) is { } quoted)
        {
            throw source.Error(node, quoted.Offset, $"invalid {key} hook: {CommandTemplate.QuotedPlaceholderError(quoted.Name)}");
        }
        if (command.ArgumentNames.FirstOrDefault(a => !template.Roles.ContainsKey(a)) is { } unknown)
        {
            throw source.Error(node,
                $"the {key} hook uses {{{unknown}}}, which is not an argument of {template.Describe()}{Suggestions.DidYouMean(unknown, template.Roles.Keys)}");
        }
        // A hook runs for one task around an attempt: its built-ins are the attempt's, but it reads no upstream task.
        if (command.DirectoryReferences.Any() || command.Uses(Builtin.UpstreamDirs))
        {
            throw source.Error(node, $"the {key} hook cannot use {{dir:...}} or {{upstream_dirs}}: its placeholders are the task's arguments, {{task_dir}}, {{attempt}}, {{attempt_dir}}, {{workflow_dir}} and {{workspace}}");
        }
        return command;
    }

    private static YamlScalarNode Scalar(YamlSource source, YamlNode node, string key)
    {
        var scalar = source.Scalar(node, key);
        source.Text(scalar, key);
        return scalar;
    }
}
