using System.Collections.Concurrent;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Engine.Runs;

namespace Baton.Engine.Tests.Runs;

/// <summary>A run that takes tasks while it runs (what a typed experiment does), through the real store and processes.</summary>
public sealed class OpenRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<int> AddAsync(OpenRun run, WorkflowGraph graph, int from, int count) =>
        run.AddAsync(
            [.. graph.Tasks.Skip(from).Take(count)],
            [.. graph.Upstream.Skip(from).Take(count)],
            [.. graph.Tasks.Skip(from).Take(count).Select(t => $"{{\"name\": \"{t.Name}\"}}")],
            Ct);

    [Fact]
    public async Task Tasks_added_while_a_task_runs_start_at_once_wait_for_their_upstream_and_are_reported_when_they_settle()
    {
        await using var h = await EngineHarness.CreateAsync();
        var gate = Path.Combine(h.Scratch, "independent-ran");
        var graph = h.Compile($"""
            name: open
            tasks:
              - name: slow
                command: sh -c 'while [ ! -e "$0" ]; do sleep 0.02; done' {gate}
              - name: after-slow
                command: /bin/true after-slow
                after: [slow]
              - name: independent
                command: touch {gate}
              - name: broken
                command: sh -c 'exit 4'
              - name: after-broken
                command: /bin/true after-broken
                after: [broken]
            """);
        var settled = new ConcurrentQueue<TaskMoved>();
        await using var run = await OpenRun.StartAsync("open", "", h.Scratch, h.Store, h.Executor, h.Layout,
            new RunOptions(new ResourceCapacity(2, 1L << 30)), settled.Enqueue, cancellationToken: Ct);

        Assert.Equal(0, await AddAsync(run, graph, 0, 1));
        // 'slow' ends only once 'independent', added while it runs, has run.
        Assert.Equal(1, await AddAsync(run, graph, 1, 2));
        Assert.Equal(3, await AddAsync(run, graph, 3, 1));
        await EngineHarness.EventuallyAsync(() => settled.Any(s => s.Task == 3 && s.State.IsTerminal()), "broken to fail");
        Assert.Equal(4, await AddAsync(run, graph, 4, 1));
        var summary = await run.CompleteAsync();

        Assert.Equal(5, summary.Total);
        Assert.Equal(3, summary.Done);
        Assert.Equal(2, summary.Failed);
        Assert.Equal(TaskState.Done, (await h.TaskAsync("after-slow")).State);
        var afterBroken = await h.DetailsAsync("after-broken");
        Assert.Equal(FailureReason.UpstreamFailed, afterBroken.Task.Reason);
        Assert.Empty(afterBroken.Attempts);
        Assert.Equal([0, 1, 2, 3, 4], settled.Where(s => s.State.IsTerminal()).Select(s => s.Task).Order());
        Assert.Equal(TaskState.Failed, settled.Single(s => s.Task == 4 && s.State.IsTerminal()).State);
        // Each attempt that ran was reported as it started: 'broken' three times (its retries), the upstream-failed one never.
        Assert.Equal([1, 2, 3], settled.Where(s => s.Task == 3 && s.State == TaskState.Running).Select(s => s.Attempt));
        Assert.DoesNotContain(settled, s => s.Task == 4 && s.State == TaskState.Running);
    }

    [Fact]
    public async Task A_second_run_finds_the_added_tasks_done_and_runs_nothing()
    {
        await using var h = await EngineHarness.CreateAsync();
        var graph = h.Compile("""
            name: again
            tasks:
              - name: a
                command: /bin/true a
              - name: b
                command: /bin/true b
                after: [a]
            """);
        for (var round = 0; round < 2; round++)
        {
            var settled = new ConcurrentQueue<TaskMoved>();
            await using var run = await OpenRun.StartAsync("again", "", h.Scratch, h.Store, h.Executor, h.Layout,
                new RunOptions(new ResourceCapacity(2, 1L << 30)), settled.Enqueue, cancellationToken: Ct);
            await AddAsync(run, graph, 0, 2);
            await EngineHarness.EventuallyAsync(() => settled.Count(s => s.State.IsTerminal()) == 2, "both tasks to settle");
            var summary = await run.CompleteAsync();

            Assert.True(summary.Succeeded);
            Assert.Equal(round == 0 ? 2 : 0, summary.AttemptsStarted);
            Assert.Equal(round == 0 ? 0 : 2, summary.AlreadyDone);
        }
    }
}
