using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary>Topological order, cycles, and two tasks that are one.</summary>
public sealed class GraphOrderTests
{
    [Fact]
    public void Declaration_order_is_kept_when_it_is_already_topological()
    {
        const string yaml = """
            name: a
            tasks:
              - { name: a, command: a }
              - { name: b, command: b, after: [a] }
              - { name: c, command: c }
              - { name: d, command: d, after: [b, c] }
            """;
        var graph = Compile(yaml);
        Assert.Equal(["a", "b", "c", "d"], graph.Names());
        Assert.Equal([1, 2], graph.Upstream[3]);
        Assert.Equal([3], graph.Downstream[1]);
    }

    [Fact]
    public void Tasks_declared_before_their_upstream_move_after_it_and_the_rest_keeps_its_order()
    {
        const string yaml = """
            name: a
            tasks:
              - { name: c, command: c, after: [b] }
              - { name: a, command: a }
              - { name: b, command: b, after: [a] }
              - { name: d, command: d }
            """;
        var graph = Compile(yaml);
        // The declared-first ready task goes next: a, then b (ready, declared before d), then c (ready, declared first), then d.
        Assert.Equal(["a", "b", "c", "d"], graph.Names());
        Assert.Equal(["b"], graph.UpstreamOf("c"));
        foreach (var (ups, i) in graph.Upstream.Select((u, i) => (u, i)))
        {
            Assert.All(ups, u => Assert.True(u < i));
        }
    }

    [Fact]
    public void A_cycle_is_named_in_run_order_from_its_first_declared_task()
    {
        const string yaml = """
            name: a
            tasks:
              - { name: x, command: x }
              - { name: a, command: a, after: [c] }
              - { name: b, command: b, after: [a] }
              - { name: c, command: c, after: [b] }
              - { name: d, command: d, after: [a] }
            """;
        Assert.Equal("wf.yaml:4:5: dependency cycle: a -> b -> c -> a", Error(yaml));
    }

    [Fact]
    public void A_cycle_names_only_its_members_not_what_hangs_off_it()
    {
        const string yaml = """
            name: a
            tasks:
              - { name: z, command: z, after: [q] }
              - { name: q, command: q, after: [p] }
              - { name: p, command: p, after: [q] }
            """;
        Assert.Equal("wf.yaml:4:5: dependency cycle: q -> p -> q", Error(yaml));
    }

    [Fact]
    public void A_cycle_through_dir_references_is_found()
    {
        const string yaml = """
            name: a
            tasks:
              - { name: a, command: 'use {dir:b}' }
              - { name: b, command: 'use {dir:a}' }
            """;
        Assert.Equal("wf.yaml:3:5: dependency cycle: a -> b -> a", Error(yaml));
    }

    [Fact]
    public void Two_tasks_differing_only_in_op_arguments_are_the_same_task()
    {
        const string yaml = """
            name: a
            templates:
              t:
                command: run {x} --threads {threads}
                node_args: [x]
                op_args: [threads]
            tasks:
              - { name: one, template: t, args: { x: 1, threads: 2 } }
              - { name: two, template: t, args: { x: 1, threads: 8 } }
            """;
        Assert.Equal("wf.yaml:9:5: tasks 'one' and 'two' are the same task (same template and identity-defining arguments)", Error(yaml));
    }

    [Fact]
    public void Two_one_off_tasks_with_the_same_command_are_the_same_task()
    {
        const string yaml = """
            name: a
            tasks:
              - { name: one, command: 'echo  hi' }
              - { name: two, command: echo "hi" }
            """;
        Assert.Equal("wf.yaml:4:5: tasks 'one' and 'two' are the same task (same template and identity-defining arguments)", Error(yaml));
    }

    [Fact]
    public void Identity_ignores_names_tags_attributes_resources_and_op_values_but_not_node_or_task_values()
    {
        static string Workflow(string name, string settings, string threads, string x, string y) => $"""
            name: a
            templates:
              t:
                command: run {"{x}"} {"{y}"} --threads {"{threads}"}
                node_args: [x]
                task_args: [y]
                op_args: [threads]
            tasks:
              - {"{"} name: {name}, template: t, args: {"{"} x: {x}, y: {y}, threads: {threads} {"}"}{settings} {"}"}
            """;
        var baseline = Compile(Workflow("one", "", "2", "1", "1")).Tasks[0].Identity;
        Assert.Equal(baseline, Compile(Workflow("other", ", tags: [t], attributes: { k: v }, resources: { cpus: 8 }, priority: 9, max_attempts: 1", "16", "1", "1")).Tasks[0].Identity);
        Assert.NotEqual(baseline, Compile(Workflow("one", "", "2", "2", "1")).Tasks[0].Identity);
        Assert.NotEqual(baseline, Compile(Workflow("one", "", "2", "1", "2")).Tasks[0].Identity);
    }

    [Fact]
    public void Identity_follows_the_identity_of_dir_inputs()
    {
        static string Workflow(string upstreamArg) => $$"""
            name: a
            templates:
              up: { command: 'up {v}', node_args: [v] }
            tasks:
              - { name: u, template: up, args: { v: {{upstreamArg}} } }
              - { name: d, command: 'down {dir:u}' }
            """;
        var one = Compile(Workflow("1"));
        var two = Compile(Workflow("2"));
        Assert.Equal(one.Task("d").Template.Command.Canonical, two.Task("d").Template.Command.Canonical);
        Assert.NotEqual(one.Task("d").Identity, two.Task("d").Identity);
    }

    [Fact]
    public void A_large_foreach_with_dir_references_compiles()
    {
        // 5,000 + 5,000 tasks: enough to take the parallel paths; timing is measured by the benchmark, not here.
        var values = "[" + string.Join(", ", Enumerable.Range(0, 50)) + "]";
        var yaml = $$$"""
            name: big
            templates:
              sim: { command: 'sim {a} {b}', node_args: [a, b] }
              eval: { command: 'eval {dir:sim-{a}-{b}}', node_args: [a, b] }
            tasks:
              - { template: sim, foreach: { a: {{{values}}}, b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99] } }
              - { template: eval, foreach: { a: {{{values}}}, b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99] } }
            """;
        var graph = Compile(yaml);
        Assert.Equal(10_000, graph.Tasks.Count);
        Assert.Equal(5_000, graph.EdgeCount);
        Assert.Equal(["sim-49-99"], graph.UpstreamOf("eval-49-99"));
        Assert.Equal("sim-0-0", graph.Tasks[0].Name);
        Assert.Equal("eval-0-0", graph.Tasks[5_000].Name);
        Assert.Equal(10_000, graph.Tasks.Select(t => t.Identity).Distinct().Count());
        // Identities computed in parallel equal those computed one by one.
        var eval = graph.Task("eval-7-3");
        var t = eval.Template;
        Assert.Equal(
            Baton.Core.Identity.CommandTaskIdentity.Compute(t.Name, t.Command, t.NodeArgs, t.TaskArgs, t.OpArgs, eval.Command.Arguments, [graph.Task("sim-7-3").Identity]),
            eval.Identity);
    }
}
