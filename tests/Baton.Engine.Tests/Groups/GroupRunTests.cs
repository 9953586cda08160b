using System.Collections.Concurrent;
using Baton.Core.Graph;

namespace Baton.Engine.Tests.Groups;

/// <summary>
/// A workflow with groups runs in the declared order, with real processes: a sequential chain inside a parallel
/// group, a graph group that runs after it, and start/end hooks. Tasks and hooks append to one ledger (appends of
/// one short line are atomic), whose order is what happened.
/// </summary>
public sealed class GroupRunTests
{
    [Fact]
    public async Task Groups_run_in_the_declared_order_and_their_hooks_run_when_the_first_task_starts_and_the_last_ends()
    {
        await using var h = await EngineHarness.CreateAsync();
        var ledger = Path.Combine(h.Scratch, "ledger.txt");
        var yaml = $$"""
            name: grouped
            templates:
              step:
                command: sh -c 'echo "+ $0" >> "$1"; sleep 0.1; echo "- $0" >> "$1"' {name} {ledger}
                node_args: [name]
                op_args: [ledger]
            tasks:
              - { name: prep, template: step, args: { name: prep, ledger: "{{ledger}}" } }
              - { name: '{name}', template: step, foreach: { name: [a1, a2, a3, solo, e1, e2, e3] }, args: { ledger: "{{ledger}}" } }
            groups:
              experiments:
                strategy: parallel
                members: [chain, solo]
                after: [prep]
                on_start: sh -c 'echo "start $0" >> "$1"' {group} {{ledger}}
                on_end: sh -c 'echo "end $0" >> "$1"' {group} {{ledger}}
              chain:
                strategy: sequential
                members: [a1, a2, a3]
                on_start: sh -c 'echo "start $0" >> "$1"' {group} {{ledger}}
                on_end: sh -c 'echo "end $0" >> "$1"' {group} {{ledger}}
              evaluation:
                strategy: graph
                members: [e1, e2, e3]
                graph: { e2: [e1], e3: [e1] }
                after: [experiments]
                on_start: sh -c 'echo "start $0" >> "$1"' {group} {{ledger}}
                on_end: sh -c 'echo "end $0" >> "$1"' {group} {{ledger}}
            """;

        var summary = await h.RunAsync(yaml, cpus: 4);

        Assert.True(summary.Succeeded);
        var lines = await File.ReadAllLinesAsync(ledger, TestContext.Current.CancellationToken);
        int At(string line)
        {
            Assert.Single(lines, l => l == line);
            return Array.IndexOf(lines, line);
        }
        void Before(string first, string then) =>
            Assert.True(At(first) < At(then), $"expected '{first}' before '{then}':\n{string.Join("\n", lines)}");

        // Every dependent task starts after each of its upstream tasks has ended.
        foreach (var (upstream, task) in new[]
        {
            ("prep", "a1"), ("prep", "solo"), ("a1", "a2"), ("a2", "a3"),
            ("a3", "e1"), ("solo", "e1"), ("e1", "e2"), ("e1", "e3"),
        })
        {
            Before($"- {upstream}", $"+ {task}");
        }
        // Hooks: outer start before inner start before the group's first task; inner end before outer end, both
        // after the group's last task and before anything that runs after the group.
        Before("- prep", "start experiments");
        Before("start experiments", "start chain");
        Before("start chain", "+ a1");
        Before("start experiments", "+ solo");
        Before("- a3", "end chain");
        Before("end chain", "end experiments");
        Before("- solo", "end experiments");
        Before("end experiments", "start evaluation");
        Before("start evaluation", "+ e1");
        Before("- e2", "end evaluation");
        Before("- e3", "end evaluation");
        Assert.Equal(2 * 8 + 6, lines.Length);
    }

    [Fact]
    public async Task A_failing_hook_is_logged_in_its_file_and_changes_no_task()
    {
        await using var h = await EngineHarness.CreateAsync();
        var summary = await h.RunAsync("""
            name: failing-hook
            tasks:
              - { name: a, command: /bin/true }
            groups:
              g:
                members: [a]
                on_start: sh -c 'echo broken hook; exit 3'
            """);
        Assert.True(summary.Succeeded);
        var log = Path.Combine(h.Layout.Root, "hooks", "failing-hook", "g.on_start.log");
        Assert.Equal("broken hook\n", await File.ReadAllTextAsync(log, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_group_whose_tasks_were_done_before_the_run_runs_no_hook()
    {
        await using var h = await EngineHarness.CreateAsync();
        var marker = Path.Combine(h.Scratch, "hooks");
        var yaml = $$"""
            name: resumed
            tasks:
              - { name: a, command: /bin/true }
            groups:
              g:
                members: [a]
                on_start: sh -c 'echo start >> "$0"' {{marker}}
                on_end: sh -c 'echo end >> "$0"' {{marker}}
            """;
        Assert.True((await h.RunAsync(yaml)).Succeeded);
        Assert.Equal(["start", "end"], await File.ReadAllLinesAsync(marker, TestContext.Current.CancellationToken));
        Assert.True((await h.RunAsync(yaml)).Succeeded);
        Assert.Equal(["start", "end"], await File.ReadAllLinesAsync(marker, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Code_hooks_of_the_engine_level_api_run_with_the_group_and_workspace()
    {
        await using var h = await EngineHarness.CreateAsync();
        var compiled = h.Compile("""
            name: coded
            tasks:
              - { name: a, command: /bin/true }
              - { name: b, command: /bin/true b, after: [a] }
            """);
        var seen = new ConcurrentQueue<string>();
        Task Record(GroupHookContext context, string which)
        {
            seen.Enqueue($"{which} {context.Workflow}/{context.Group} {context.Workspace == h.Layout.Root}");
            return Task.CompletedTask;
        }
        var graph = new WorkflowGraph(compiled.Name, compiled.WorkflowArgs, compiled.SourceFile, compiled.WorkflowDirectory, compiled.Tasks, compiled.Upstream)
        {
            Groups = [new TaskGroupSpec("pair", [0, 1], -1, new DelegateHook((c, _) => Record(c, "start")), new DelegateHook((c, _) => Record(c, "end")))],
        };
        Assert.True((await h.RunAsync(graph)).Succeeded);
        Assert.Equal(["start coded/pair True", "end coded/pair True"], seen);
    }
}
