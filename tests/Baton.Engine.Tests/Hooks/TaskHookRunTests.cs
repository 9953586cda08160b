using Baton.Core.Lifecycle;

namespace Baton.Engine.Tests.Hooks;

/// <summary>
/// Task hooks with real processes: each writes a line to one ledger (appends of a short line are atomic), so the
/// ledger says which hooks ran, for which task and attempt, and in what order.
/// </summary>
public sealed class TaskHookRunTests
{
    [Fact]
    public async Task Hooks_run_when_attempts_start_and_when_tasks_end_and_the_run_ends_after_them()
    {
        await using var h = await EngineHarness.CreateAsync();
        var ledger = Path.Combine(h.Scratch, "ledger.txt");
        var summary = await h.RunAsync($$"""
            name: hooked
            defaults:
              max_attempts: 2
              on_start: sh -c 'echo "start $0 $1 $BATON_TASK_STATE" >> "$2"' {name} {attempt} {{ledger}}
              on_success: sh -c 'echo "success $0 $BATON_TASK" >> "$1"' {name} {{ledger}}
              on_failure: sh -c 'echo "failure $0 $BATON_ATTEMPT" >> "$1"' {name} {{ledger}}
              on_end: sh -c 'sleep 0.2; echo "end $0 $BATON_TASK_STATE" >> "$1"; echo "end of $0 in $PWD"' {name} {{ledger}}
            templates:
              step:
                command: sh -c '[ "$0" != bad ]' {name}
                node_args: [name]
            tasks:
              - { name: good, template: step, args: { name: good } }
              - { name: bad, template: step, args: { name: bad } }
            """);

        Assert.Equal(1, summary.Done);
        Assert.Equal(1, summary.Failed);
        // The run returned after its last hook (each on_end sleeps first): both end lines are there.
        var lines = await File.ReadAllLinesAsync(ledger, TestContext.Current.CancellationToken);
        Assert.Equal(
            ["end bad failed", "end good done", "failure bad 2", "start bad 1 running", "start bad 2 running", "start good 1 running", "success good good"],
            lines.Order(StringComparer.Ordinal));
        int At(string line) => Array.IndexOf(lines, line);
        Assert.True(At("start good 1 running") < At("success good good") && At("success good good") < At("end good done"), string.Join('\n', lines));
        Assert.True(At("start bad 2 running") < At("failure bad 2") && At("failure bad 2") < At("end bad failed"), string.Join('\n', lines));
        // Each hook's output is kept in the task's directory; it runs there.
        var good = await h.TaskAsync("good");
        Assert.Equal($"end of good in {good.Directory}\n", await File.ReadAllTextAsync(Path.Combine(good.Directory, "hooks", "on_end.log"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_failing_or_missing_hook_changes_nothing_and_a_task_done_before_runs_no_hook()
    {
        await using var h = await EngineHarness.CreateAsync();
        var ledger = Path.Combine(h.Scratch, "ledger.txt");
        var yaml = $$"""
            name: hooked
            defaults:
              on_start: sh -c 'echo "start" >> "$0"; exit 3' {{ledger}}
              on_success: /no/such/program
              on_end: sh -c 'echo "end" >> "$0"' {{ledger}}
            tasks:
              - { name: only, command: 'true' }
            """;

        var first = await h.RunAsync(yaml);

        Assert.True(first.Succeeded);
        Assert.Equal(TaskState.Done, (await h.TaskAsync("only")).State);
        Assert.Equal(["start", "end"], await File.ReadAllLinesAsync(ledger, TestContext.Current.CancellationToken));

        var again = await h.RunAsync(yaml);

        Assert.Equal(1, again.AlreadyDone);
        Assert.Equal(["start", "end"], await File.ReadAllLinesAsync(ledger, TestContext.Current.CancellationToken));
    }
}
