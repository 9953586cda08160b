using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary>The shape of a workflow file: YAML syntax, keys, and the kind of value each key takes.</summary>
public sealed class FileFormatTests
{
    [Fact]
    public void Malformed_yaml_points_at_the_parser_error()
    {
        const string yaml = """
            name: a
            tasks: [{ name: a, command: echo a }
            """;
        Assert.Equal("wf.yaml:3:1: not valid YAML: while parsing a flow sequence, did not find expected ',' or ']'", Error(yaml));
    }

    [Fact]
    public void Duplicate_keys_are_a_yaml_error()
    {
        const string yaml = """
            name: a
            name: b
            tasks: [{ name: a, command: echo a }]
            """;
        Assert.Equal("wf.yaml:2:1: duplicate key 'name' (first at line 1)", Error(yaml));
    }

    [Fact]
    public void Empty_file_is_an_error()
    {
        Assert.Equal("wf.yaml:1:1: the workflow file is empty: it needs at least name: and tasks:", Error(""));
        Assert.Equal("wf.yaml:1:1: the workflow file is empty: it needs at least name: and tasks:", Error("# nothing\n"));
    }

    [Fact]
    public void A_second_document_is_an_error()
    {
        const string yaml = """
            name: a
            tasks: [{ name: a, command: echo a }]
            ---
            name: b
            """;
        Assert.Equal("wf.yaml:4:1: a workflow file holds one YAML document; a second one starts here", Error(yaml));
    }

    [Fact]
    public void The_file_must_be_a_map()
    {
        Assert.Equal("wf.yaml:1:1: a workflow file must be a map of key: value pairs, not a list", Error("- name: a\n"));
    }

    [Fact]
    public void Unknown_top_level_key_names_the_allowed_keys_and_a_close_match()
    {
        const string yaml = """
            name: a
            task: [{ name: a, command: echo a }]
            """;
        Assert.Equal(
            "wf.yaml:2:1: unknown key 'task' in the workflow (did you mean 'tasks'?); allowed keys: name, workflow_args, defaults, templates, tasks, max_concurrent, fail_fast, attributes, groups, slurm",
            Error(yaml));
    }

    [Fact]
    public void Unknown_template_key_is_an_error()
    {
        const string yaml = """
            name: a
            templates:
              sim:
                comand: echo {x}
            tasks: [{ name: a, command: echo a }]
            """;
        Assert.Equal(
            "wf.yaml:4:5: unknown key 'comand' in template 'sim' (did you mean 'command'?); allowed keys: command, node_args, task_args, op_args, resources, max_attempts, priority, max_concurrent, slurm, resource_scales, retry_on_exit_codes, no_retry_on_exit_codes, tokens, on_start, on_success, on_failure, on_end",
            Error(yaml));
    }

    [Fact]
    public void Unknown_task_key_is_an_error()
    {
        const string yaml = """
            name: a
            tasks:
              - name: a
                command: echo a
                afterr: [b]
            """;
        Assert.Equal(
            "wf.yaml:5:5: unknown key 'afterr' in a task (did you mean 'after'?); allowed keys: name, template, command, foreach, args, after, tags, attributes, resources, max_attempts, priority, resource_scales, retry_on_exit_codes, no_retry_on_exit_codes, tokens, on_start, on_success, on_failure, on_end",
            Error(yaml));
    }

    [Fact]
    public void Unknown_resource_and_defaults_keys_are_errors()
    {
        const string resources = """
            name: a
            tasks:
              - name: a
                command: echo a
                resources: { cpu: 2 }
            """;
        Assert.Equal("wf.yaml:5:18: unknown key 'cpu' in resources (did you mean 'cpus'?); allowed keys: cpus, memory, runtime, gpus, gpu_memory", Error(resources));
        const string defaults = """
            name: a
            defaults:
              retries: 2
            tasks: [{ name: a, command: echo a }]
            """;
        Assert.Equal("wf.yaml:3:3: unknown key 'retries' in defaults; allowed keys: resources, max_attempts, priority, resource_scales, retry_on_exit_codes, no_retry_on_exit_codes, tokens, on_start, on_success, on_failure, on_end", Error(defaults));
    }

    [Fact]
    public void Name_is_required_and_checked()
    {
        Assert.Equal("wf.yaml:1:1: the workflow has no name: (add one, such as name: my-workflow)", Error("tasks: [{ name: a, command: echo a }]\n"));
        Assert.Equal(
            "wf.yaml:1:7: workflow name 'my flow' is not valid: use letters, digits, '-', '_' and '.', not starting with '.'",
            Error("name: my flow\ntasks: [{ name: a, command: echo a }]\n"));
        Assert.Equal("wf.yaml:1:6: name has no value (write '' for an empty text)", Error("name:\ntasks: [{ name: a, command: echo a }]\n"));
        Assert.Equal("wf.yaml:1:7: name must be a single value, not a list", Error("name: [a]\ntasks: [{ name: a, command: echo a }]\n"));
    }

    [Fact]
    public void Tasks_are_required_and_not_empty()
    {
        Assert.Equal("wf.yaml:1:1: the workflow has no tasks: (add a list of tasks)", Error("name: a\n"));
        Assert.Equal("wf.yaml:2:8: tasks is empty: a workflow needs at least one task", Error("name: a\ntasks: []\n"));
        Assert.Equal(
            "wf.yaml:2:8: tasks must be a list such as [{ name: a, command: echo a }], not a map",
            Error("name: a\ntasks: { a: 1 }\n"));
        Assert.Equal("wf.yaml:2:10: a task must be a map of key: value pairs, not the value 'echo'", Error("name: a\ntasks: [ echo ]\n"));
    }

    [Fact]
    public void Workflow_args_are_a_map_of_single_values()
    {
        var graph = Compile("name: a\nworkflow_args: { dataset: v1, size: '0.10' }\ntasks: [{ name: a, command: echo a }]\n");
        Assert.Equal(new Dictionary<string, string> { ["dataset"] = "v1", ["size"] = "0.10" }, graph.WorkflowArgs);
        Assert.Equal(
            "wf.yaml:2:27: workflow argument 'dataset' must be a single value, not a list",
            Error("name: a\nworkflow_args: { dataset: [v1] }\ntasks: [{ name: a, command: echo a }]\n"));
        Assert.Equal(
            "wf.yaml:2:18: workflow argument name 'data set' is not valid: names are letters, digits and '_', not starting with a digit",
            Error("name: a\nworkflow_args: { data set: v1 }\ntasks: [{ name: a, command: echo a }]\n"));
    }

    [Fact]
    public void Memory_that_is_not_an_amount_points_at_the_value()
    {
        const string yaml = """
            name: a
            templates:
              sim:
                command: sim {x}
                node_args: [x]
                resources:
                  memory: lots
            tasks: [{ template: sim, args: { x: 1 } }]
            """;
        Assert.Equal("wf.yaml:7:15: memory 'lots' is not an amount such as 512M, 4G or 1073741824", Error(yaml));
    }

    [Theory]
    [InlineData("cpus: 0", "wf.yaml:5:24: cpus '0' is not a whole number of at least 1")]
    [InlineData("cpus: -2", "wf.yaml:5:24: cpus '-2' is not a whole number of at least 1")]
    [InlineData("cpus: 1.5", "wf.yaml:5:24: cpus '1.5' is not a whole number of at least 1")]
    [InlineData("cpus: [1]", "wf.yaml:5:24: cpus must be a single value, not a list")]
    [InlineData("memory: -1G", "wf.yaml:5:26: memory '-1G' is not an amount such as 512M, 4G or 1073741824")]
    [InlineData("runtime: soon", "wf.yaml:5:27: runtime 'soon' is not a duration such as 90, 90s, 5m, 1h30m, 2d or 01:30:00")]
    [InlineData("runtime: 0s", "wf.yaml:5:27: runtime '0s' must be positive")]
    public void Bad_resource_values_point_at_the_value(string resource, string expected)
    {
        var yaml = $"""
            name: a
            tasks:
              - name: a
                command: echo a
                resources: {"{"} {resource} {"}"}
            """;
        Assert.Equal(expected, Error(yaml));
    }

    [Theory]
    [InlineData("max_attempts: 0", "wf.yaml:5:19: max_attempts '0' is not a whole number of at least 1")]
    [InlineData("max_attempts: many", "wf.yaml:5:19: max_attempts 'many' is not a whole number of at least 1")]
    [InlineData("priority: high", "wf.yaml:5:15: priority 'high' is not a whole number")]
    [InlineData("priority: 99999999999", "wf.yaml:5:15: priority '99999999999' is not a whole number")]
    public void Bad_attempts_and_priorities_point_at_the_value(string setting, string expected)
    {
        var yaml = $"""
            name: a
            tasks:
              - name: a
                command: echo a
                {setting}
            """;
        Assert.Equal(expected, Error(yaml));
    }

    [Fact]
    public void Negative_priority_and_memory_zero_are_accepted()
    {
        var task = Compile("name: a\ntasks: [{ name: a, command: echo a, priority: -3, resources: { memory: 0 } }]\n").Task("a");
        Assert.Equal(-3, task.Priority);
        Assert.Equal(0, task.Resources.MemoryBytes);
    }

    [Fact]
    public void Templates_need_a_command_and_a_valid_name()
    {
        Assert.Equal(
            "wf.yaml:3:3: template 'sim' has no command:",
            Error("name: a\ntemplates:\n  sim: { node_args: [x] }\ntasks: [{ name: a, command: echo a }]\n"));
        Assert.Equal(
            "wf.yaml:3:3: template name 'command' is not valid: 'command' is reserved for one-off command: tasks",
            Error("name: a\ntemplates:\n  command: { command: echo }\ntasks: [{ name: a, command: echo a }]\n"));
        Assert.Equal(
            "wf.yaml:3:3: template name '.sim' is not valid: use letters, digits, '-', '_' and '.', not starting with '-' or '.'",
            Error("name: a\ntemplates:\n  .sim: { command: echo }\ntasks: [{ name: a, command: echo a }]\n"));
        Assert.Equal(
            "wf.yaml:3:3: template name 'my sim' is not valid: use letters, digits, '-', '_' and '.', not starting with '-' or '.'",
            Error("name: a\ntemplates:\n  my sim: { command: echo }\ntasks: [{ name: a, command: echo a }]\n"));
        Assert.Equal(
            "wf.yaml:3:8: template 'sim' must be a map of key: value pairs, not the value 'echo hi'",
            Error("name: a\ntemplates:\n  sim: echo hi\ntasks: [{ name: a, command: echo a }]\n"));
    }

    [Fact]
    public void A_task_has_either_template_or_command()
    {
        const string both = """
            name: a
            templates: { t: { command: echo } }
            tasks:
              - name: a
                template: t
                command: echo a
            """;
        Assert.Equal("wf.yaml:6:5: a task has template: or command:, not both", Error(both));
        Assert.Equal(
            "wf.yaml:3:5: a task needs template: (the name of a template) or command: (a one-off command)",
            Error("name: a\ntasks:\n  - name: a\n    tags: [x]\n"));
    }

    [Fact]
    public void A_one_off_task_needs_a_name_and_takes_no_arguments()
    {
        Assert.Equal("wf.yaml:3:5: a one-off command: task needs a name:", Error("name: a\ntasks:\n  - command: echo a\n"));
        Assert.Equal(
            "wf.yaml:5:5: a one-off command: task has no arguments, so no foreach: (use a template for arguments)",
            Error("name: a\ntasks:\n  - name: a\n    command: echo a\n    foreach: { x: [1] }\n"));
        Assert.Equal(
            "wf.yaml:5:5: a one-off command: task has no arguments, so no args: (use a template for arguments)",
            Error("name: a\ntasks:\n  - name: a\n    command: echo a\n    args: { x: 1 }\n"));
    }

    [Fact]
    public void Foreach_must_map_arguments_to_non_empty_lists_of_single_values()
    {
        const string head = "name: a\ntemplates: { t: { command: 'echo {x}', node_args: [x] } }\ntasks:\n  - template: t\n";
        Assert.Equal("wf.yaml:5:19: foreach 'x' must be a list such as [0.1, 0.2], not the value '1'", Error(head + "    foreach: { x: 1 }\n"));
        Assert.Equal("wf.yaml:5:19: foreach 'x' has no values", Error(head + "    foreach: { x: [] }\n"));
        Assert.Equal("wf.yaml:5:23: foreach 'x' lists the value '1' twice", Error(head + "    foreach: { x: [1, 1] }\n"));
        Assert.Equal("wf.yaml:5:23: a value of foreach 'x' must be a single value, not a list", Error(head + "    foreach: { x: [1, [2]] }\n"));
        Assert.Equal(
            "wf.yaml:7:10: a value of foreach 'x' has no value (write '' for an empty text)",
            Error(head + "    foreach:\n      x:\n        -\n        - 1\n"));
        Assert.Equal("wf.yaml:5:14: foreach is empty: give at least one argument and its list of values", Error(head + "    foreach: {}\n"));
        Assert.Equal("wf.yaml:5:14: foreach must be a map of key: value pairs, not a list", Error(head + "    foreach: [x]\n"));
    }

    [Fact]
    public void Args_take_single_values()
    {
        const string head = "name: a\ntemplates: { t: { command: 'echo {x}', node_args: [x] } }\ntasks:\n  - template: t\n";
        Assert.Equal(
            "wf.yaml:5:16: argument 'x' must be a single value, not a list (use foreach: for one task per value)",
            Error(head + "    args: { x: [1, 2] }\n"));
        Assert.Equal("wf.yaml:5:16: argument 'x' must be a single value, not a map", Error(head + "    args: { x: { y: 1 } }\n"));
        Assert.Equal("wf.yaml:5:16: argument 'x' has no value (write '' for an empty text)", Error(head + "    args: { x: }\n"));
        Assert.Equal("", Compile(head + "    args: { x: '' }\n").Task("t-").Command.Arguments["x"]);
    }

    [Fact]
    public void Values_are_taken_as_the_scalar_text_written()
    {
        const string yaml = """
            name: a
            templates: { t: { command: "echo {x}", node_args: [x] } }
            tasks:
              - { name: a, template: t, args: { x: 0.10 } }
              - { name: b, template: t, args: { x: 1e3 } }
              - { name: c, template: t, args: { x: 007 } }
              - { name: d, template: t, args: { x: "a b" } }
              - { name: e, template: t, args: { x: 'it''s' } }
              - { name: f, template: t, args: { x: yes } }
              - { name: g, template: t, args: { x: ~ } }
              - { name: h, template: t, args: { x: null } }
              - { name: i, template: t, args: { x: "tab\there" } }
            """;
        var values = Compile(yaml).Tasks.Select(t => t.Command.Arguments["x"]).ToArray();
        Assert.Equal(["0.10", "1e3", "007", "a b", "it's", "yes", "~", "null", "tab\there"], values);
    }

    [Fact]
    public void A_value_starting_with_a_brace_must_be_quoted()
    {
        const string yaml = """
            name: a
            tasks:
              - name: a
                command: {workflow_dir}
            """;
        Assert.Equal("wf.yaml:4:14: command must be a single value, not a map (quote a value that starts with '{')", Error(yaml));
    }

    [Fact]
    public void Tags_are_words_and_repeats_collapse()
    {
        var task = Compile("name: a\ntasks: [{ name: a, command: echo a, tags: [x, y, x] }]\n").Task("a");
        Assert.Equal(["x", "y"], task.Tags);
        Assert.Equal(
            "wf.yaml:2:44: tag 'a b' is not valid: a tag is a word without whitespace",
            Error("name: a\ntasks: [{ name: a, command: echo a, tags: ['a b'] }]\n"));
        Assert.Equal(
            "wf.yaml:2:43: tags must be a list such as [sweep, nightly], not the value 'x'",
            Error("name: a\ntasks: [{ name: a, command: echo a, tags: x }]\n"));
    }

    [Fact]
    public void Attributes_are_a_map_of_single_values()
    {
        var task = Compile("name: a\ntasks: [{ name: a, command: echo a, attributes: { owner: alice, n: 3 } }]\n").Task("a");
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "alice", ["n"] = "3" }, task.Attributes);
        Assert.Equal(
            "wf.yaml:2:58: attribute 'owner' must be a single value, not a list",
            Error("name: a\ntasks: [{ name: a, command: echo a, attributes: { owner: [a] } }]\n"));
    }
}
