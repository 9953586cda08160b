using Baton.Core.Commands;
using Baton.Core.Gpus;
using Baton.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// Reads a workflow file's YAML into a <see cref="WorkflowFile"/>: checks every key against the keys allowed where
/// it stands and every value for its shape (map, list, single value, number, resource amount).
/// </summary>
internal static class WorkflowFileReader
{
    private static readonly string[] WorkflowKeys = ["name", "workflow_args", "defaults", "templates", "tasks", "max_concurrent", "fail_fast", "attributes", "groups", "slurm"];
    private static readonly string[] GroupKeys = ["strategy", "members", "graph", "after", "on_start", "on_end"];
    private static readonly string[] DefaultsKeys = ["resources", "max_attempts", "priority", .. RetrySettingsReader.Keys, .. TaskHookDeclarations.Keys];
    private static readonly string[] TemplateKeys =
        ["command", "node_args", "task_args", "op_args", "resources", "max_attempts", "priority", "max_concurrent", "slurm", .. RetrySettingsReader.Keys, .. TaskHookDeclarations.Keys];
    private static readonly string[] TaskKeys =
        ["name", "template", "command", "foreach", "args", "after", "tags", "attributes", "resources", "max_attempts", "priority", .. RetrySettingsReader.Keys, .. TaskHookDeclarations.Keys];
    private static readonly string[] ResourceKeys = ["cpus", "memory", "runtime", "gpus", "gpu_memory"];

    public static WorkflowFile Read(YamlSource source, string yamlText)
    {
        var root = GuardedParser.Load(source, yamlText);
        var fields = new YamlFields(source, source.Mapping(root, "a workflow file"), "the workflow", WorkflowKeys);

        var nameNode = fields["name"] ?? throw source.Error(root, "the workflow has no name: (add one, such as name: my-workflow)");
        var name = source.Text(nameNode, "name");
        if (!Names.IsWorkflowName(name))
        {
            throw source.Error(nameNode, $"workflow name '{name}' is not valid: use letters, digits, '-', '_' and '.', not starting with '.'");
        }

        var workflowArgs = fields["workflow_args"] is { } argsNode ? ReadWorkflowArgs(source, argsNode) : new Dictionary<string, string>();
        var defaults = fields["defaults"] is { } defaultsNode
            ? ReadSettings(source, new YamlFields(source, source.Mapping(defaultsNode, "defaults"), "defaults", DefaultsKeys))
            : Settings.None;
        if (fields["slurm"] is { } slurmNode)
        {
            defaults = defaults with { Slurm = SlurmBlockReader.Read(source, slurmNode) };
        }
        var templates = fields["templates"] is { } templatesNode ? ReadTemplates(source, templatesNode) : [];

        var tasksNode = fields["tasks"] ?? throw source.Error(root, "the workflow has no tasks: (add a list of tasks)");
        var taskList = source.Sequence(tasksNode, "tasks", "[{ name: a, command: echo a }]");
        if (taskList.Children.Count == 0)
        {
            throw source.Error(taskList, "tasks is empty: a workflow needs at least one task");
        }
        var tasks = taskList.Children.Select(t => ReadTask(source, t)).ToArray();
        return new WorkflowFile(name, workflowArgs, defaults, templates, tasks)
        {
            MaxConcurrent = RetrySettingsReader.ReadMaxConcurrent(source, fields),
            FailFast = fields["fail_fast"] is { } failFast && ReadBoolean(source, failFast, "fail_fast"),
            Attributes = fields["attributes"] is { } attributes ? ReadAttributes(source, attributes) : new Dictionary<string, string>(),
            Groups = fields["groups"] is { } groupsNode ? ReadGroups(source, groupsNode) : [],
        };
    }

    private static Dictionary<string, string> ReadWorkflowArgs(YamlSource source, YamlNode node)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in source.Mapping(node, "workflow_args").Children)
        {
            var key = source.Text(keyNode, "a workflow argument name");
            if (!CommandTemplate.IsIdentifier(key))
            {
                throw source.Error(keyNode, $"workflow argument name '{key}' is not valid: names are letters, digits and '_', not starting with a digit");
            }
            args.Add(key, source.Text(valueNode, $"workflow argument '{key}'"));
        }
        return args;
    }

    private static List<TemplateDeclaration> ReadTemplates(YamlSource source, YamlNode node)
    {
        var templates = new List<TemplateDeclaration>();
        foreach (var (keyNode, valueNode) in source.Mapping(node, "templates").Children)
        {
            var nameNode = source.Scalar(keyNode, "a template name");
            var name = source.Text(nameNode, "a template name");
            if (Names.TemplateNameProblem(name) is { } problem)
            {
                throw source.Error(nameNode, $"template name '{name}' is not valid: {problem}");
            }
            var where = $"template '{name}'";
            var fields = new YamlFields(source, source.Mapping(valueNode, where), where, TemplateKeys);
            var commandNode = fields["command"] ?? throw source.Error(nameNode, $"{where} has no command:");
            var command = source.Scalar(commandNode, "command");
            source.Text(command, "command");
            var arguments = new List<ArgumentDeclaration>();
            ReadArgumentNames(source, fields, "node_args", ArgumentRole.Node, arguments);
            ReadArgumentNames(source, fields, "task_args", ArgumentRole.Task, arguments);
            ReadArgumentNames(source, fields, "op_args", ArgumentRole.Op, arguments);
            templates.Add(new TemplateDeclaration(name, nameNode, command, arguments, ReadSettings(source, fields))
            {
                MaxConcurrent = RetrySettingsReader.ReadMaxConcurrent(source, fields),
            });
        }
        return templates;
    }

    private static List<GroupDeclaration> ReadGroups(YamlSource source, YamlNode node)
    {
        var groups = new List<GroupDeclaration>();
        foreach (var (keyNode, valueNode) in source.Mapping(node, "groups").Children)
        {
            var nameNode = source.Scalar(keyNode, "a group name");
            var name = source.Text(nameNode, "a group name");
            var where = $"group '{name}'";
            var fields = new YamlFields(source, source.Mapping(valueNode, where), where, GroupKeys);
            var membersNode = fields["members"] ?? throw source.Error(nameNode, $"{where} has no members: (a list of tasks, templates or groups)");
            var members = ReadTextList(source, membersNode, "members", "[prepare, train]");
            if (members.Count == 0)
            {
                throw source.Error(membersNode, $"{where} has no members");
            }
            var graph = new List<(YamlScalarNode, IReadOnlyList<YamlScalarNode>)>();
            if (fields["graph"] is { } graphNode)
            {
                foreach (var (memberNode, afterNode) in source.Mapping(graphNode, "graph").Children)
                {
                    var member = source.Scalar(memberNode, "a member in graph");
                    source.Text(member, "a member in graph");
                    graph.Add((member, ReadTextList(source, afterNode, $"graph entry '{member.Value}'", "[prepare]")));
                }
            }
            var strategy = fields["strategy"] is { } strategyNode ? source.Text(strategyNode, "strategy") : graph.Count > 0 ? "graph" : "parallel";
            if (strategy is not ("parallel" or "sequential" or "graph"))
            {
                throw source.Error(fields["strategy"]!, $"strategy '{strategy}' is not one of parallel, sequential, graph");
            }
            if (strategy != "graph" && fields.Has("graph"))
            {
                throw source.Error(fields.KeyOf("graph"), $"{where} has a graph: but strategy {strategy} (use strategy: graph, or drop graph:)");
            }
            if (strategy == "graph" && !fields.Has("graph"))
            {
                throw source.Error(nameNode, $"{where} has strategy graph but no graph: (member: [members it runs after])");
            }
            groups.Add(new GroupDeclaration(
                name,
                nameNode,
                strategy,
                fields["strategy"],
                members,
                graph,
                fields["after"] is { } afterList ? ReadTextList(source, afterList, "after", "[prepare]") : [],
                OptionalText(source, fields, "on_start"),
                OptionalText(source, fields, "on_end")));
        }
        return groups;
    }

    private static void ReadArgumentNames(YamlSource source, YamlFields fields, string key, ArgumentRole role, List<ArgumentDeclaration> into)
    {
        if (fields[key] is not { } node)
        {
            return;
        }
        foreach (var item in source.Sequence(node, key, "[rate, seed]").Children)
        {
            var scalar = source.Scalar(item, $"an entry of {key}");
            into.Add(new ArgumentDeclaration(source.Text(scalar, $"an entry of {key}"), role, scalar));
        }
    }

    private static TaskDeclaration ReadTask(YamlSource source, YamlNode node)
    {
        var fields = new YamlFields(source, source.Mapping(node, "a task"), "a task", TaskKeys);
        var name = OptionalText(source, fields, "name");
        var template = OptionalText(source, fields, "template");
        var command = OptionalText(source, fields, "command");
        if (template is not null && command is not null)
        {
            throw source.Error(fields.KeyOf("command"), "a task has template: or command:, not both");
        }
        if (template is null && command is null)
        {
            throw source.Error(fields.Map, "a task needs template: (the name of a template) or command: (a one-off command)");
        }
        if (command is not null)
        {
            foreach (var key in (string[])["foreach", "args"])
            {
                if (fields.Has(key))
                {
                    throw source.Error(fields.KeyOf(key), $"a one-off command: task has no arguments, so no {key}: (use a template for arguments)");
                }
            }
            if (name is null)
            {
                throw source.Error(fields.Map, "a one-off command: task needs a name:");
            }
        }
        return new TaskDeclaration(
            fields.Map,
            name,
            template,
            command,
            fields["foreach"] is { } foreachNode ? ReadForeach(source, foreachNode) : [],
            fields["args"] is { } argsNode ? ReadArgs(source, argsNode) : [],
            fields["after"] is { } afterNode ? ReadTextList(source, afterNode, "after", "[prepare, simulate]") : [],
            fields["tags"] is { } tagsNode ? ReadTags(source, tagsNode) : [],
            fields["attributes"] is { } attributesNode ? ReadAttributes(source, attributesNode) : new Dictionary<string, string>(),
            ReadSettings(source, fields));
    }

    private static YamlScalarNode? OptionalText(YamlSource source, YamlFields fields, string key)
    {
        if (fields[key] is not { } node)
        {
            return null;
        }
        var scalar = source.Scalar(node, key);
        source.Text(scalar, key);
        return scalar;
    }

    private static List<ForeachDeclaration> ReadForeach(YamlSource source, YamlNode node)
    {
        var map = source.Mapping(node, "foreach");
        if (map.Children.Count == 0)
        {
            throw source.Error(map, "foreach is empty: give at least one argument and its list of values");
        }
        var result = new List<ForeachDeclaration>();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = source.Scalar(keyNode, "an argument name in foreach");
            var name = source.Text(key, "an argument name in foreach");
            var list = source.Sequence(valueNode, $"foreach '{name}'", "[0.1, 0.2]");
            if (list.Children.Count == 0)
            {
                throw source.Error(list, $"foreach '{name}' has no values");
            }
            var values = new List<string>(list.Children.Count);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in list.Children)
            {
                var value = source.Text(item, $"a value of foreach '{name}'");
                if (!seen.Add(value))
                {
                    throw source.Error(item, $"foreach '{name}' lists the value '{value}' twice");
                }
                values.Add(value);
            }
            result.Add(new ForeachDeclaration(name, key, values));
        }
        return result;
    }

    private static List<ArgumentValue> ReadArgs(YamlSource source, YamlNode node)
    {
        var result = new List<ArgumentValue>();
        foreach (var (keyNode, valueNode) in source.Mapping(node, "args").Children)
        {
            var key = source.Scalar(keyNode, "an argument name in args");
            var name = source.Text(key, "an argument name in args");
            if (valueNode is YamlSequenceNode)
            {
                throw source.Error(valueNode, $"argument '{name}' must be a single value, not a list (use foreach: for one task per value)");
            }
            result.Add(new ArgumentValue(name, key, source.Text(valueNode, $"argument '{name}'")));
        }
        return result;
    }

    private static List<YamlScalarNode> ReadTextList(YamlSource source, YamlNode node, string key, string example)
    {
        var result = new List<YamlScalarNode>();
        foreach (var item in source.Sequence(node, key, example).Children)
        {
            var scalar = source.Scalar(item, $"an entry of {key}");
            source.Text(scalar, $"an entry of {key}");
            result.Add(scalar);
        }
        return result;
    }

    private static List<string> ReadTags(YamlSource source, YamlNode node)
    {
        // Tags are a set: a repeated tag is kept once, in first-seen order.
        var tags = new List<string>();
        foreach (var item in ReadTextList(source, node, "tags", "[sweep, nightly]"))
        {
            var tag = item.Value!;
            if (tag.Length == 0 || tag.Any(char.IsWhiteSpace))
            {
                throw source.Error(item, $"tag '{tag}' is not valid: a tag is a word without whitespace");
            }
            if (Names.InvisibleProblem(tag) is { } problem)
            {
                throw source.Error(item, $"tag '{tag}' is not valid: {problem}");
            }
            if (!tags.Contains(tag, StringComparer.Ordinal))
            {
                tags.Add(tag);
            }
        }
        return tags;
    }

    private static Dictionary<string, string> ReadAttributes(YamlSource source, YamlNode node)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in source.Mapping(node, "attributes").Children)
        {
            var key = source.Text(keyNode, "an attribute name");
            if (key.Length == 0)
            {
                throw source.Error(keyNode, "an attribute name is empty");
            }
            if (Names.InvisibleProblem(key) is { } problem)
            {
                throw source.Error(keyNode, $"attribute name '{key}' is not valid: {problem}");
            }
            attributes.Add(key, source.Text(valueNode, $"attribute '{key}'"));
        }
        return attributes;
    }

    private static Settings ReadSettings(YamlSource source, YamlFields fields)
    {
        int? cpus = null;
        long? memory = null;
        TimeSpan? runtime = null;
        int? gpus = null;
        GpuRequest? gpuMemory = null;
        if (fields["resources"] is { } resourcesNode)
        {
            var resources = new YamlFields(source, source.Mapping(resourcesNode, "resources"), "resources", ResourceKeys);
            if (resources["cpus"] is { } cpusNode)
            {
                cpus = source.Integer(cpusNode, "cpus", minimum: 1);
            }
            if (resources["memory"] is { } memoryNode)
            {
                memory = ResourceParser.TryParseMemory(source.Text(memoryNode, "memory"), out var bytes, out var error)
                    ? bytes
                    : throw source.Error(memoryNode, error);
            }
            if (resources["runtime"] is { } runtimeNode)
            {
                runtime = ResourceParser.TryParseRuntime(source.Text(runtimeNode, "runtime"), out var limit, out var error)
                    ? limit
                    : throw source.Error(runtimeNode, error);
            }
            if (resources["gpus"] is { } gpusNode)
            {
                gpus = source.Integer(gpusNode, "gpus", minimum: 0);
            }
            if (resources["gpu_memory"] is { } gpuMemoryNode)
            {
                gpuMemory = GpuRequest.TryParseMemory(source.Text(gpuMemoryNode, "gpu_memory"), out var mib, out var fraction, out var error)
                    ? new GpuRequest(0, mib, fraction)
                    : throw source.Error(gpuMemoryNode, error);
            }
        }
        return RetrySettingsReader.Read(source, fields, new Settings(
            cpus,
            memory,
            runtime,
            fields["max_attempts"] is { } attemptsNode ? source.Integer(attemptsNode, "max_attempts", minimum: 1) : null,
            fields["priority"] is { } priorityNode ? source.Integer(priorityNode, "priority") : null)
        {
            Gpus = gpus,
            GpuMemory = gpuMemory,
            Slurm = fields.Has("slurm") ? SlurmBlockReader.Read(source, fields["slurm"]!) : null,
            Hooks = TaskHookDeclarations.Read(source, fields),
        });
    }

    private static bool ReadBoolean(YamlSource source, YamlNode node, string what) => source.Text(node, what) switch
    {
        "true" => true,
        "false" => false,
        var text => throw source.Error(node, $"{what} '{text}' is not true or false"),
    };
}
