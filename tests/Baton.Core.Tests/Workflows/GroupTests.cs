using Baton.Core.Graph;
using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

public sealed class GroupTests
{
    private const string Nested = """
        name: groups
        templates:
          train:
            command: python train.py {seed}
            node_args: [seed]
        tasks:
          - { name: prep, command: python prep.py }
          - { name: a1, command: python a1.py }
          - { name: a2, command: python a2.py }
          - { name: a3, command: python a3.py }
          - { template: train, foreach: { seed: [1, 2] } }
          - { name: e1, command: python e1.py }
          - { name: e2, command: python e2.py }
          - { name: e3, command: python e3.py }
          - { name: report, command: python report.py, after: [evaluation] }
        groups:
          experiments:
            strategy: parallel
            members: [chain, train]
            after: [prep]
            on_start: echo start {group}
            on_end: 'sh -c "echo end $0 >> $1/log" {group} {workspace}'
          chain:
            strategy: sequential
            members: [a1, a2, a3]
          evaluation:
            members: [e1, e2, e3]
            graph: { e2: [e1], e3: [e1, e2] }
            after: [experiments]
        """;

    [Fact]
    public void Groups_compile_into_ordinary_edges()
    {
        var graph = Compile(Nested);
        Assert.Empty(graph.UpstreamOf("prep"));
        Assert.Equal(["prep"], graph.UpstreamOf("a1"));
        Assert.Equal(["a1", "prep"], graph.UpstreamOf("a2").Order());
        Assert.Equal(["a2", "prep"], graph.UpstreamOf("a3").Order());
        Assert.Equal(["prep"], graph.UpstreamOf("train-1"));
        // A graph group's members follow its graph; the whole group runs after every task of "experiments".
        Assert.Equal(["a1", "a2", "a3", "train-1", "train-2"], graph.UpstreamOf("e1").Order());
        Assert.Contains("e1", graph.UpstreamOf("e2"));
        Assert.Contains("e2", graph.UpstreamOf("e3"));
        // A task may run after a group.
        Assert.Equal(["e1", "e2", "e3"], graph.UpstreamOf("report").Order());
    }

    [Fact]
    public void Groups_keep_their_tasks_parents_and_hooks()
    {
        var graph = Compile(Nested);
        var byName = graph.Groups.ToDictionary(g => g.Name);
        Assert.Equal(["experiments", "chain", "evaluation"], graph.Groups.Select(g => g.Name));
        Assert.Equal(["a1", "a2", "a3", "train-1", "train-2"], byName["experiments"].Tasks.Select(t => graph.Tasks[t].Name).Order());
        Assert.Equal(0, byName["chain"].Parent);
        Assert.Equal(-1, byName["experiments"].Parent);
        Assert.Equal("echo start {group}", Assert.IsType<CommandHook>(byName["experiments"].OnStart).Command.Text);
        Assert.Null(byName["chain"].OnStart);
    }

    [Theory]
    [InlineData("members: [a, zz]", "wf.yaml:7:18: group 'g': 'zz' names no task, template or group")]
    [InlineData("{ members: [a, b], strategy: diagonal }", "wf.yaml:7:34: strategy 'diagonal' is not one of parallel, sequential, graph")]
    [InlineData("{ members: [a, b], strategy: sequential, graph: { b: [a] } }", "wf.yaml:7:46: group 'g' has a graph: but strategy sequential (use strategy: graph, or drop graph:)")]
    [InlineData("{ members: [a, b], graph: { b: [c] } }", "wf.yaml:7:37: graph: 'c' is not a member of group 'g'")]
    [InlineData("{ members: [a, b], graph: { a: [b], b: [a] } }", "wf.yaml:3:5: dependency cycle: a -> b -> a")]
    [InlineData("{ members: [a, g] }", "wf.yaml:7:20: group 'g' cannot be a member of itself")]
    [InlineData("{ members: [a, b], after: [a] }", "wf.yaml:7:32: group 'g' cannot run after 'a': they share tasks")]
    [InlineData("{ members: [a, b], on_start: 'echo {task_dir}' }", "wf.yaml:7:34: group 'g': a hook's placeholders are {group}, {workflow_dir} and {workspace} (a hook belongs to no task)")]
    [InlineData("{ members: [a, b], on_end: 'echo {seed}' }", "wf.yaml:7:32: group 'g': a hook's placeholders are {group}, {workflow_dir} and {workspace}, not {seed}")]
    public void Group_mistakes_are_errors_at_the_entry(string group, string expected)
    {
        var error = Error($$"""
            name: bad
            tasks:
              - { name: a, command: echo a }
              - { name: b, command: echo b }
            groups:
              g:
                {{group}}
            """);
        Assert.True(error.StartsWith(expected, StringComparison.Ordinal), error);
    }

    [Fact]
    public void A_task_or_group_belongs_to_one_group_and_groups_do_not_contain_each_other()
    {
        var error = Error("""
            name: bad
            tasks:
              - { name: a, command: echo a }
              - { name: b, command: echo b }
            groups:
              g: { members: [a] }
              h: { members: [b, a] }
            """);
        Assert.True(error.StartsWith("wf.yaml:7:21: task 'a' is already a member of group 'g'", StringComparison.Ordinal), error);
        Assert.StartsWith("wf.yaml:6:3: groups contain each other: g in h in g", Error("""
            name: bad
            tasks:
              - { name: a, command: echo a }
              - { name: b, command: echo b }
            groups:
              g: { members: [a, h] }
              h: { members: [b, g] }
            """));
        Assert.StartsWith("wf.yaml:6:3: group 'a' has the name of a task (rename one of them)", Error("""
            name: bad
            tasks:
              - { name: a, command: echo a }
              - { name: b, command: echo b }
            groups:
              a: { members: [b] }
            """));
    }
}
