using Baton.Core.Commands;
using Baton.Core.Graph;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Checks templates and builds their <see cref="TemplateSpec"/>s: the command parses, argument names are valid and
/// unique, every placeholder is declared, and every declared argument is used (an unused one would still enter
/// the identity of every task, silently).
/// </summary>
internal static class TemplateCompiler
{
    public static Dictionary<string, CompiledTemplate> CompileAll(YamlSource source, WorkflowFile file)
    {
        var templates = new Dictionary<string, CompiledTemplate>(file.Templates.Count, StringComparer.Ordinal);
        foreach (var declaration in file.Templates)
        {
            templates.Add(declaration.Name, Compile(source, declaration, file.Defaults));
        }
        return templates;
    }

    public static CompiledTemplate Compile(YamlSource source, TemplateDeclaration declaration, Settings defaults)
    {
        var command = ParseCommand(source, declaration.Command);
        var roles = new Dictionary<string, ArgumentRole>(StringComparer.Ordinal);
        foreach (var argument in declaration.Arguments)
        {
            if (Names.ArgumentNameProblem(argument.Name) is { } problem)
            {
                throw source.Error(argument.Node, $"argument name '{argument.Name}' is not valid: {problem}");
            }
            if (!roles.TryAdd(argument.Name, argument.Role))
            {
                throw source.Error(argument.Node, $"argument '{argument.Name}' is declared twice (in {ListName(roles[argument.Name])} and {ListName(argument.Role)})");
            }
        }
        if (command.QuotedNames.FirstOrDefault(q => roles.ContainsKey(q.Name)) is { } quoted)
        {
            throw source.Error(declaration.Command, quoted.Offset, $"invalid command: {CommandTemplate.QuotedPlaceholderError(quoted.Name)}");
        }
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in command.ArgumentNames)
        {
            if (!roles.ContainsKey(name))
            {
                throw source.Error(declaration.Command,
                    $"the command uses {{{name}}}, which is not declared in node_args, task_args or op_args{Suggestions.DidYouMean(name, roles.Keys)}");
            }
            used.Add(name);
        }
        foreach (var argument in declaration.Arguments)
        {
            if (!used.Contains(argument.Name))
            {
                throw source.Error(argument.Node,
                    $"argument '{argument.Name}' is declared but the command never uses it (write {{{argument.Name}}} in the command or remove it)");
            }
        }
        var settings = declaration.Settings.Over(defaults);
        var spec = new TemplateSpec
        {
            Name = declaration.Name,
            Command = command,
            NodeArgs = ArgumentsOf(declaration, ArgumentRole.Node),
            TaskArgs = ArgumentsOf(declaration, ArgumentRole.Task),
            OpArgs = ArgumentsOf(declaration, ArgumentRole.Op),
            Resources = settings.Resources,
            MaxAttempts = settings.EffectiveMaxAttempts,
            Priority = settings.EffectivePriority,
            MaxConcurrent = declaration.MaxConcurrent,
            Location = source.At(declaration.NameNode),
            Slurm = settings.Slurm,
        };
        return new CompiledTemplate(spec, settings, roles);
    }

    /// <summary>The template of a one-off <c>command:</c> task: named "command", no arguments.</summary>
    public static CompiledTemplate OneOff(YamlSource source, YamlScalarNode commandNode, Settings defaults)
    {
        var command = ParseCommand(source, commandNode);
        if (command.ArgumentNames.FirstOrDefault() is { } name)
        {
            throw source.Error(commandNode,
                $"the command uses {{{name}}}, but a one-off command: task has no arguments (use a template with node_args, task_args or op_args)");
        }
        var spec = new TemplateSpec
        {
            Name = TemplateSpec.OneOffName,
            Command = command,
            Resources = defaults.Resources,
            MaxAttempts = defaults.EffectiveMaxAttempts,
            Priority = defaults.EffectivePriority,
            Location = source.At(commandNode),
            Slurm = defaults.Slurm,
        };
        return new CompiledTemplate(spec, defaults, new Dictionary<string, ArgumentRole>());
    }

    /// <summary>A command (or a hook: <paramref name="what"/> names it in the error) parsed, its syntax errors located in the file.</summary>
    internal static CommandTemplate ParseCommand(YamlSource source, YamlScalarNode node, string what = "command")
    {
        try
        {
            return CommandTemplate.Parse(node.Value ?? "");
        }
        catch (CommandTemplateException e)
        {
            throw source.Error(node, e.Offset, $"invalid {what}: {e.Message}");
        }
    }

    private static string[] ArgumentsOf(TemplateDeclaration declaration, ArgumentRole role) =>
        declaration.Arguments.Where(a => a.Role == role).Select(a => a.Name).ToArray();

    private static string ListName(ArgumentRole role) => role switch
    {
        ArgumentRole.Node => "node_args",
        ArgumentRole.Task => "task_args",
        _ => "op_args",
    };
}
