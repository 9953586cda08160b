using System.Globalization;
using Baton.Core.Commands;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Turns task entries into tasks: resolves each entry's template, checks that it gives exactly the arguments the
/// template declares, expands <c>foreach</c> (the Cartesian product, first key outermost), names every task and
/// refuses duplicate names. Linear in the number of tasks.
/// </summary>
internal sealed class TaskExpander(YamlSource source, WorkflowFile file, IReadOnlyDictionary<string, CompiledTemplate> templates)
{
    /// <summary>Most tasks one entry may make: a guard against a foreach typo that would exhaust memory.</summary>
    public const long MaxTasksPerEntry = 10_000_000;

    private readonly List<ExpandedTask> _tasks = [];
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);

    /// <summary>The tasks in declaration order.</summary>
    public IReadOnlyList<ExpandedTask> Tasks => _tasks;

    /// <summary>Task index by name.</summary>
    public IReadOnlyDictionary<string, int> ByName => _byName;

    public void ExpandAll()
    {
        foreach (var declaration in file.Tasks)
        {
            Expand(declaration);
        }
    }

    private void Expand(TaskDeclaration declaration)
    {
        var template = ResolveTemplate(declaration);
        var fixedValues = CheckArguments(declaration, template);
        var namePattern = declaration.Name is { } nameNode ? ParsePattern(nameNode, template, "name") : null;
        var after = declaration.After.Select(node => (ParsePattern(node, template, "after entry"), node)).ToArray();
        var settings = declaration.Settings.Over(template.Settings);
        var hooks = settings.Hooks?.Compile(source, template) ?? Graph.TaskHooks.None;
        var entry = new TaskEntry(declaration, template, source.At(declaration.Node), settings, after, hooks);

        // Where each argument's value comes from, in the template's order: a fixed value, or a foreach (by index).
        var names = template.ArgumentNames;
        var foreachIndex = Array.ConvertAll(names.Names, a => FindForeach(declaration.Foreach, a));
        var fixedByArgument = Array.ConvertAll(names.Names, a => fixedValues.GetValueOrDefault(a));
        var sizes = declaration.Foreach.Select(f => f.Values.Count).ToArray();
        var count = CountCombinations(declaration);

        // Combination k, read as a mixed-radix number over the foreach sizes (the last key varies fastest), is
        // independent of every other, so tasks are built in parallel; naming checks then run in order.
        ExpandedTask Make(int k)
        {
            var values = new string[names.Names.Length];
            var rest = k;
            Span<int> picks = stackalloc int[sizes.Length];
            for (var f = sizes.Length - 1; f >= 0; f--)
            {
                (rest, picks[f]) = Math.DivRem(rest, sizes[f]);
            }
            for (var a = 0; a < values.Length; a++)
            {
                values[a] = foreachIndex[a] < 0 ? fixedByArgument[a]! : declaration.Foreach[foreachIndex[a]].Values[picks[foreachIndex[a]]];
            }
            var arguments = values.Length == 0 ? ArgumentValues.Empty : new ArgumentValues(names, values);
            var name = namePattern?.Expand(arguments) ?? DefaultName(template, arguments);
            return new ExpandedTask(name, entry, arguments, new TaskCommand(template.Spec.Command, arguments));
        }
        var made = new ExpandedTask[count];
        Parallelism.For(0, made.Length, k => made[k] = Make(k));

        _tasks.EnsureCapacity(_tasks.Count + made.Length);
        _byName.EnsureCapacity(_byName.Count + made.Length);
        foreach (var task in made)
        {
            if (Names.TaskNameProblem(task.Name) is { } problem)
            {
                throw source.Error(declaration.Name ?? (YamlNode)declaration.Node,
                    $"task name '{task.Name}' is not valid: {problem}{NameOrigin(namePattern, template, task.Values)}");
            }
            if (!_byName.TryAdd(task.Name, _tasks.Count))
            {
                var other = _tasks[_byName[task.Name]].Entry;
                throw WorkflowErrors.At(entry.Location, ReferenceEquals(other, entry)
                    ? $"duplicate task name '{task.Name}': this entry makes it more than once (use every foreach argument in its name:)"
                    : $"duplicate task name '{task.Name}' (first defined at {other.Location})");
            }
            _tasks.Add(task);
        }
    }

    private CompiledTemplate ResolveTemplate(TaskDeclaration declaration)
    {
        if (declaration.Command is { } command)
        {
            return TemplateCompiler.OneOff(source, command, file.Defaults);
        }
        var node = declaration.Template!;
        var name = node.Value!;
        if (templates.TryGetValue(name, out var template))
        {
            return template;
        }
        var known = templates.Count == 0 ? "the workflow has no templates:" : $"templates: {string.Join(", ", templates.Keys)}";
        throw source.Error(node, $"unknown template '{name}'{Suggestions.DidYouMean(name, templates.Keys)}; {known}");
    }

    /// <summary>Checks args and foreach against the template's arguments; returns the fixed values.</summary>
    private Dictionary<string, string> CheckArguments(TaskDeclaration declaration, CompiledTemplate template)
    {
        var fixedValues = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var argument in declaration.Args)
        {
            CheckDeclared(argument.Name, argument.Key, template);
            fixedValues.Add(argument.Name, argument.Value);
        }
        foreach (var item in declaration.Foreach)
        {
            CheckDeclared(item.Name, item.Key, template);
            if (fixedValues.ContainsKey(item.Name))
            {
                throw source.Error(item.Key, $"argument '{item.Name}' is given in both args and foreach");
            }
        }
        foreach (var name in template.Spec.AllArgs)
        {
            if (!fixedValues.ContainsKey(name) && FindForeach(declaration.Foreach, name) < 0)
            {
                throw source.Error(declaration.Node, $"no value for argument '{name}' of {template.Describe()}: give it in args or foreach");
            }
        }
        return fixedValues;
    }

    private void CheckDeclared(string name, YamlScalarNode key, CompiledTemplate template)
    {
        if (!template.Roles.ContainsKey(name))
        {
            throw source.Error(key, $"extra argument '{name}': {template.Describe()} does not declare it{Suggestions.DidYouMean(name, template.Roles.Keys)}");
        }
    }

    private NamePattern ParsePattern(YamlScalarNode node, CompiledTemplate template, string what)
    {
        var text = node.Value!;
        var pattern = NamePattern.TryParse(text, out var offset, out var error)
            ?? throw source.Error(node, offset, $"{what} '{text}' is not valid: {error}");
        foreach (var placeholder in pattern.Placeholders)
        {
            if (!template.Roles.ContainsKey(placeholder.Name))
            {
                var detail = template.IsOneOff
                    ? "but a one-off command: task has no arguments"
                    : $"which is not an argument of {template.Describe()}{Suggestions.DidYouMean(placeholder.Name, template.Roles.Keys)}";
                throw source.Error(node, placeholder.Offset, $"{what} '{text}' uses {{{placeholder.Name}}}, {detail}");
            }
        }
        return pattern;
    }

    private int CountCombinations(TaskDeclaration declaration)
    {
        long count = 1;
        foreach (var item in declaration.Foreach)
        {
            count *= item.Values.Count;
            if (count > MaxTasksPerEntry)
            {
                throw source.Error(declaration.Foreach[0].Key,
                    $"foreach makes more than {MaxTasksPerEntry.ToString("N0", CultureInfo.InvariantCulture)} tasks; split the entry");
            }
        }
        return (int)count;
    }

    private static int FindForeach(IReadOnlyList<ForeachDeclaration> items, string name)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Name == name)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The template name, then each node argument's value, joined by '-'.</summary>
    private static string DefaultName(CompiledTemplate template, ArgumentValues values)
    {
        var nodeArgs = template.Spec.NodeArgs;
        if (nodeArgs.Count == 0)
        {
            return template.Spec.Name;
        }
        var parts = new string[nodeArgs.Count + 1];
        parts[0] = template.Spec.Name;
        for (var i = 0; i < nodeArgs.Count; i++)
        {
            parts[i + 1] = values[nodeArgs[i]];
        }
        return string.Join('-', parts);
    }

    private static string NameOrigin(NamePattern? pattern, CompiledTemplate template, IReadOnlyDictionary<string, string> values)
    {
        if (pattern is null)
        {
            return $" (the default name: template '{template.Spec.Name}' and its node arguments' values; set name: to choose one)";
        }
        if (pattern.IsLiteral)
        {
            return "";
        }
        var bound = pattern.Placeholders.Select(p => p.Name).Distinct().Select(n => $"{n}='{values[n]}'");
        return $" (from name: '{pattern.Text}' with {string.Join(", ", bound)})";
    }
}
