using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary><c>after:</c> entries and <c>{dir:...}</c> references.</summary>
public sealed class DependencyTests
{
    private const string Templates = """
        name: a
        templates:
          prep:
            command: prep {n} {task_dir}
            node_args: [n]
          train:
            command: train {dir:prep-{n}} {lr}
            node_args: [n, lr]
        tasks:
        """;

    private static string Tasks(string tasks) => Templates + "\n" + tasks + "\n";

    [Fact]
    public void Dir_references_add_implicit_edges_and_are_expanded_per_task()
    {
        var graph = Compile(Tasks("  - { template: prep, foreach: { n: [1, 2] } }\n  - { template: train, foreach: { n: [1, 2], lr: [a, b] } }"));
        Assert.Equal(["prep-1"], graph.UpstreamOf("train-1-a"));
        Assert.Equal(["prep-2"], graph.UpstreamOf("train-2-b"));
        Assert.Equal(["prep-2"], graph.Task("train-2-a").Command.DirectoryReferences);
    }

    [Fact]
    public void After_a_task_name_or_a_pattern_expanded_with_the_task_arguments()
    {
        var graph = Compile(Tasks("""
              - { template: prep, foreach: { n: [1, 2] } }
              - { name: setup, command: setup }
              - name: check-{n}
                template: prep
                foreach: { n: [3, 4] }
                after: [setup, 'prep-{n}']
            """.Replace("prep-{n}", "prep-1", StringComparison.Ordinal)));
        Assert.Equal(["setup", "prep-1"], graph.UpstreamOf("check-3"));
        var patterned = Compile(Tasks("""
              - { template: prep, foreach: { n: [1, 2] } }
              - name: check-{n}
                template: train
                args: { lr: x }
                foreach: { n: [1, 2] }
                after: ['prep-{n}']
            """));
        Assert.Equal(["prep-2"], patterned.UpstreamOf("check-2"));
    }

    [Fact]
    public void After_a_template_fans_in_every_task_of_it_in_declaration_order()
    {
        var graph = Compile(Tasks("  - { template: prep, foreach: { n: [3, 1, 2] } }\n  - { name: all, command: report, after: [prep] }"));
        Assert.Equal(["prep-3", "prep-1", "prep-2"], graph.UpstreamOf("all"));
    }

    [Fact]
    public void Duplicate_edges_collapse()
    {
        var graph = Compile(Tasks("  - { template: prep, args: { n: 1 } }\n  - { template: train, args: { n: 1, lr: x }, after: [prep-1, prep, prep-1] }"));
        Assert.Equal(["prep-1"], graph.UpstreamOf("train-1-x"));
        Assert.Equal(1, graph.EdgeCount);
    }

    [Fact]
    public void After_an_unknown_name_points_at_the_entry_with_a_close_match()
    {
        Assert.Equal(
            "wf.yaml:11:36: after: 'prep-l' names no task or template (did you mean 'prep-1'?)",
            Error(Tasks("  - { template: prep, args: { n: 1 } }\n  - { name: x, command: x, after: [prep-l] }")));
        Assert.Equal(
            "wf.yaml:14:13: after: 'prep-{n}' (here 'prep-9') names no task or template (did you mean 'prep-1'?)",
            Error(Tasks("  - { template: prep, args: { n: 1 } }\n  - name: check-{n}\n    template: prep\n    args: { n: 9 }\n    after: ['prep-{n}']")));
    }

    [Fact]
    public void After_an_argument_the_task_does_not_have_points_at_the_placeholder()
    {
        Assert.Equal(
            "wf.yaml:10:53: after entry 'prep-{m}' uses {m}, which is not an argument of template 'prep' (did you mean 'n'?)",
            Error(Tasks("  - { template: prep, args: { n: 1 }, after: ['prep-{m}'] }")));
    }

    [Fact]
    public void After_a_template_without_tasks_is_an_error()
    {
        Assert.Equal(
            "wf.yaml:11:36: after: 'train' names template 'train', which no task uses",
            Error(Tasks("  - { template: prep, args: { n: 1 } }\n  - { name: x, command: x, after: [train] }")));
    }

    [Fact]
    public void A_name_that_is_both_a_task_and_a_template_is_ambiguous()
    {
        Assert.Equal(
            "wf.yaml:12:36: after: 'prep' is ambiguous: it is both a task and a template (rename one of them)",
            Error(Tasks("  - { template: prep, args: { n: 1 } }\n  - { name: prep, command: other }\n  - { name: x, command: x, after: [prep] }")));
    }

    [Fact]
    public void A_template_whose_only_task_has_its_name_is_not_ambiguous()
    {
        const string yaml = """
            name: a
            templates:
              setup: { command: setup }
            tasks:
              - template: setup
              - { name: x, command: x, after: [setup] }
            """;
        Assert.Equal(["setup"], Compile(yaml).UpstreamOf("x"));
    }

    [Fact]
    public void A_task_cannot_run_after_itself()
    {
        Assert.Equal("wf.yaml:10:36: task 'x' cannot run after itself", Error(Tasks("  - { name: x, command: x, after: [x] }")));
        Assert.Equal(
            "wf.yaml:10:55: task 'prep-1' cannot run after itself (after: 'prep' includes it)",
            Error(Tasks("  - { template: prep, foreach: { n: [1, 2] }, after: [prep] }")));
    }

    [Fact]
    public void After_entries_must_be_a_list_of_names()
    {
        Assert.Equal(
            "wf.yaml:10:35: after must be a list such as [prepare, simulate], not the value 'y'",
            Error(Tasks("  - { name: x, command: x, after: y }")));
    }

    [Fact]
    public void A_dir_reference_to_a_missing_task_blames_the_task_of_a_template()
    {
        Assert.Equal(
            "wf.yaml:11:5: task 'train-2-x': {dir:prep-{n}} (here 'prep-2') names no task (did you mean 'prep-1'?)",
            Error(Tasks("  - { template: prep, args: { n: 1 } }\n  - { template: train, foreach: { n: [1, 2] }, args: { lr: x } }")));
    }

    [Fact]
    public void A_dir_reference_in_a_one_off_command_points_at_the_command()
    {
        Assert.Equal(
            "wf.yaml:12:14: {dir:prep-3} names no task (did you mean 'prep-1'?)",
            Error(Tasks("  - { template: prep, args: { n: 1 } }\n  - name: x\n    command: use {dir:prep-3}")));
        var graph = Compile(Tasks("  - { template: prep, args: { n: 1 } }\n  - name: x\n    command: use {dir:prep-1}/out"));
        Assert.Equal(["prep-1"], graph.UpstreamOf("x"));
    }

    [Fact]
    public void A_dir_reference_to_a_template_is_an_error()
    {
        Assert.Equal(
            "wf.yaml:12:14: {dir:prep} names template 'prep'; {dir:...} needs the name of one task",
            Error(Tasks("  - { template: prep, args: { n: 1 } }\n  - name: x\n    command: use {dir:prep}")));
    }

    [Fact]
    public void A_dir_reference_to_the_task_itself_is_an_error()
    {
        Assert.Equal(
            "wf.yaml:11:14: {dir:x} names the task itself (use {task_dir} for its own directory)",
            Error(Tasks("  - name: x\n    command: use {dir:x}")));
    }

    [Fact]
    public void Edges_list_after_entries_first_then_dir_references()
    {
        var graph = Compile(Tasks("  - { template: prep, foreach: { n: [1, 2] } }\n  - { template: train, args: { n: 1, lr: x }, after: [prep-2] }"));
        Assert.Equal(["prep-2", "prep-1"], graph.UpstreamOf("train-1-x"));
    }
}
