using Baton.Core.Resources;
using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary>Task rules: template, arguments, foreach, names, settings.</summary>
public sealed class TaskTests
{
    private const string Templates = """
        name: a
        templates:
          sim:
            command: sim {rate} {seed} {steps} {threads}
            node_args: [rate, seed]
            task_args: [steps]
            op_args: [threads]
          solo:
            command: solo
        tasks:
        """;

    private static string Tasks(string tasks) => Templates + "\n" + tasks + "\n";

    [Fact]
    public void Unknown_template_names_a_close_match_and_the_templates()
    {
        Assert.Equal(
            "wf.yaml:11:17: unknown template 'sm' (did you mean 'sim'?); templates: sim, solo",
            Error(Tasks("  - { template: sm }")));
        Assert.Equal(
            "wf.yaml:3:17: unknown template 'sim'; the workflow has no templates:",
            Error("name: a\ntasks:\n  - { template: sim }\n"));
    }

    [Fact]
    public void A_missing_argument_is_named()
    {
        Assert.Equal(
            "wf.yaml:11:5: no value for argument 'steps' of template 'sim': give it in args or foreach",
            Error(Tasks("  - template: sim\n    args: { rate: 1, seed: 2, threads: 4 }")));
    }

    [Fact]
    public void An_extra_argument_is_an_error_at_its_key()
    {
        Assert.Equal(
            "wf.yaml:12:53: extra argument 'step': template 'sim' does not declare it (did you mean 'steps'?)",
            Error(Tasks("  - template: sim\n    args: { rate: 1, seed: 2, steps: 3, threads: 4, step: 5 }")));
        Assert.Equal(
            "wf.yaml:13:16: extra argument 'gpu': template 'sim' does not declare it",
            Error(Tasks("  - template: sim\n    args: { rate: 1, seed: 2, steps: 3, threads: 4 }\n    foreach: { gpu: [0, 1] }")));
    }

    [Fact]
    public void An_argument_in_both_args_and_foreach_is_an_error()
    {
        Assert.Equal(
            "wf.yaml:13:16: argument 'seed' is given in both args and foreach",
            Error(Tasks("  - template: sim\n    args: { rate: 1, seed: 2, steps: 3, threads: 4 }\n    foreach: { seed: [1, 2] }")));
    }

    [Fact]
    public void Foreach_makes_the_cartesian_product_with_the_first_key_outermost()
    {
        var graph = Compile(Tasks("  - template: sim\n    args: { steps: 10, threads: 1 }\n    foreach: { seed: [1, 2, 3], rate: [a, b] }"));
        Assert.Equal(["sim-a-1", "sim-b-1", "sim-a-2", "sim-b-2", "sim-a-3", "sim-b-3"], graph.Names());
    }

    [Fact]
    public void The_default_name_is_the_template_and_node_argument_values()
    {
        var graph = Compile(Tasks("  - { template: sim, args: { rate: 0.1, seed: 7, steps: 10, threads: 1 } }\n  - { template: solo }"));
        Assert.Equal(["sim-0.1-7", "solo"], graph.Names());
    }

    [Fact]
    public void Name_patterns_may_use_any_argument()
    {
        var graph = Compile(Tasks("  - name: run_{threads}_{steps}.{rate}\n    template: sim\n    args: { rate: 1, seed: 2, steps: 3, threads: 4 }"));
        Assert.Equal(["run_4_3.1"], graph.Names());
    }

    [Fact]
    public void A_name_pattern_with_an_unknown_argument_points_at_the_placeholder()
    {
        Assert.Equal(
            "wf.yaml:11:15: name 'sim-{rat}' uses {rat}, which is not an argument of template 'sim' (did you mean 'rate'?)",
            Error(Tasks("  - name: sim-{rat}\n    template: sim\n    args: { rate: 1, seed: 2, steps: 3, threads: 4 }")));
        Assert.Equal(
            "wf.yaml:11:15: name 'sim-{rate' is not valid: '{' must start an argument placeholder such as {rate}",
            Error(Tasks("  - name: sim-{rate\n    template: sim\n    args: { rate: 1, seed: 2, steps: 3, threads: 4 }")));
        Assert.Equal(
            "wf.yaml:11:14: name 'sim}' is not valid: '}' without a matching '{'",
            Error(Tasks("  - name: sim}\n    template: sim\n    args: { rate: 1, seed: 2, steps: 3, threads: 4 }")));
        Assert.Equal(
            "wf.yaml:11:13: name 'x-{y}' uses {y}, but a one-off command: task has no arguments",
            Error(Tasks("  - name: x-{y}\n    command: echo")));
    }

    [Theory]
    [InlineData("'a b'", "task name 'a b' is not valid: it contains whitespace")]
    [InlineData("a/b", "task name 'a/b' is not valid: it contains '/'")]
    [InlineData("'a\\b'", "task name 'a\\b' is not valid: it contains '\\'")]
    [InlineData("\"it's\"", "task name 'it's' is not valid: it contains '''")]
    [InlineData("'say\"hi'", "task name 'say\"hi' is not valid: it contains '\"'")]
    [InlineData("-a", "task name '-a' is not valid: it starts with '-'")]
    [InlineData("''", "task name '' is not valid: it is empty")]
    [InlineData("\"a\\u0007b\"", "task name 'a\\u0007b' is not valid: it contains a control character")]
    [InlineData("\"a\\u00a0b\"", "task name 'a\u00a0b' is not valid: it contains whitespace")]
    public void Invalid_literal_names_are_errors_at_the_name(string name, string expected)
    {
        Assert.Equal($"wf.yaml:11:11: {expected}", Error(Tasks($"  - name: {name}\n    command: echo")));
    }

    [Fact]
    public void Unicode_names_are_valid()
    {
        Assert.Equal(["données-é"], Compile(Tasks("  - name: données-é\n    command: echo")).Names());
    }

    [Fact]
    public void An_invalid_expanded_name_says_where_it_came_from()
    {
        Assert.Equal(
            "wf.yaml:11:11: task name 'sim-a b-1' is not valid: it contains whitespace (from name: 'sim-{rate}-{seed}' with rate='a b', seed='1')",
            Error(Tasks("  - name: sim-{rate}-{seed}\n    template: sim\n    args: { rate: a b, seed: 1, steps: 3, threads: 4 }")));
        Assert.Equal(
            "wf.yaml:11:5: task name 'sim-x/y-1' is not valid: it contains '/' (the default name: template 'sim' and its node arguments' values; set name: to choose one)",
            Error(Tasks("  - template: sim\n    args: { rate: x/y, seed: 1, steps: 3, threads: 4 }")));
    }

    [Fact]
    public void Control_characters_from_values_are_escaped_so_the_error_stays_one_line()
    {
        Assert.Equal(
            "wf.yaml:11:11: task name 'sim-a\\nb-1' is not valid: it contains whitespace (from name: 'sim-{rate}-{seed}' with rate='a\\nb', seed='1')",
            Error(Tasks("  - name: sim-{rate}-{seed}\n    template: sim\n    args: { rate: \"a\\nb\", seed: 1, steps: 3, threads: 4 }")));
    }

    [Fact]
    public void Duplicate_names_from_two_entries_name_both_locations()
    {
        Assert.Equal(
            "wf.yaml:12:5: duplicate task name 'x' (first defined at wf.yaml:11:5)",
            Error(Tasks("  - { name: x, command: echo 1 }\n  - { name: x, command: echo 2 }")));
    }

    [Fact]
    public void Duplicate_names_from_one_foreach_say_so()
    {
        Assert.Equal(
            "wf.yaml:11:5: duplicate task name 'sim-1-2': this entry makes it more than once (use every foreach argument in its name:)",
            Error(Tasks("  - template: sim\n    args: { rate: 1, seed: 2, threads: 4 }\n    foreach: { steps: [10, 20] }")));
    }

    [Fact]
    public void Settings_fall_through_field_by_field()
    {
        const string yaml = """
            name: a
            defaults:
              resources: { memory: 1G }
              priority: 7
            templates:
              t:
                command: run {x}
                node_args: [x]
                resources: { cpus: 4 }
                max_attempts: 5
            tasks:
              - { name: a, template: t, args: { x: 1 } }
              - { name: b, template: t, args: { x: 2 }, resources: { runtime: 1h, cpus: 2 }, priority: -1, max_attempts: 1 }
              - { name: c, command: echo }
            """;
        var graph = Compile(yaml);
        var a = graph.Task("a");
        Assert.Equal(new ResourceRequest(4, 1L << 30, null), a.Resources);
        Assert.Equal((5, 7), (a.MaxAttempts, a.Priority));
        var b = graph.Task("b");
        Assert.Equal(new ResourceRequest(2, 1L << 30, TimeSpan.FromHours(1)), b.Resources);
        Assert.Equal((1, -1), (b.MaxAttempts, b.Priority));
        var c = graph.Task("c");
        Assert.Equal(new ResourceRequest(1, 1L << 30, null), c.Resources);
        Assert.Equal((3, 7), (c.MaxAttempts, c.Priority));
    }

    [Fact]
    public void Without_any_settings_the_built_in_defaults_apply()
    {
        var task = Compile("name: a\ntasks: [{ name: a, command: echo }]\n").Task("a");
        Assert.Equal(ResourceRequest.Default, task.Resources);
        Assert.Equal((3, 0), (task.MaxAttempts, task.Priority));
    }

    [Fact]
    public void A_foreach_may_not_make_an_absurd_number_of_tasks()
    {
        var values = "[" + string.Join(", ", Enumerable.Range(0, 1000)) + "]";
        Assert.Equal(
            "wf.yaml:13:16: foreach makes more than 10,000,000 tasks; split the entry",
            Error(Tasks($"  - template: sim\n    args: {{ threads: 1 }}\n    foreach: {{ rate: {values}, seed: {values}, steps: {values} }}")));
    }
}
