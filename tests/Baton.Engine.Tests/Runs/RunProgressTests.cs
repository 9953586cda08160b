using Baton.Engine.Runs;

namespace Baton.Engine.Tests.Runs;

/// <summary>What a run's live view is fed: the tasks running now, longest first, as they start and end.</summary>
public sealed class RunProgressTests
{
    [Fact]
    public async Task The_longest_running_tasks_are_those_running_now_oldest_first_and_leave_the_list_when_they_end()
    {
        await using var h = await EngineHarness.CreateAsync();
        var release = Path.Combine(h.Scratch, "release");
        var progress = new RunProgress();
        // "early" starts first and holds a core until released; "late" starts after it; "quick" ends at once.
        var run = h.RunAsync($$"""
            name: longest
            tasks:
              - name: early
                command: sh -c 'touch "$1"; while [ ! -e "$2" ]; do sleep 0.05; done' sh {{h.Scratch}}/early-started {{release}}
              - name: late
                command: sh -c 'touch "$1"; while [ ! -e "$2" ]; do sleep 0.05; done' sh {{h.Scratch}}/late-started {{release}}
                after: [quick]
              - name: quick
                command: sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh {{h.Scratch}}/early-started
            """, cpus: 2, progress: progress);

        await EngineHarness.EventuallyAsync(() => progress.LongestRunning(5).Count == 2 && File.Exists(Path.Combine(h.Scratch, "late-started")), "early and late to run", run);
        Assert.Equal(["early", "late"], progress.LongestRunning(5).Select(r => r.Task));
        Assert.Equal(["early"], progress.LongestRunning(1).Select(r => r.Task));
        var snapshot = progress.Snapshot();
        Assert.Equal(["early", "late"], snapshot.LongestRunning.Select(r => r.Task));
        var client = new RunProgress();
        client.Load(snapshot);
        Assert.Equal(snapshot.LongestRunning, client.LongestRunning(5));

        await File.WriteAllTextAsync(release, "", TestContext.Current.CancellationToken);
        var summary = await run;

        Assert.True(summary.Succeeded);
        Assert.Empty(progress.LongestRunning(5));
    }

    [Fact]
    public async Task A_follower_reads_the_longest_running_tasks_while_the_run_starts_and_ends_tasks()
    {
        // The node's API snapshots progress on a request thread while the run loop moves tasks: it must never throw.
        var progress = new RunProgress();
        const int tasks = 4;
        progress.Initialize(["step"], new int[tasks], Enumerable.Repeat(Core.Lifecycle.TaskState.Ready, tasks).ToArray());
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() =>
        {
            var at = DateTimeOffset.UnixEpoch;
            while (!stop.IsCancellationRequested)
            {
                for (var t = 0; t < tasks; t++)
                {
                    progress.Move(0, Core.Lifecycle.TaskState.Ready, Core.Lifecycle.TaskState.Running, $"task-{t}", at = at.AddTicks(1));
                }
                for (var t = 0; t < tasks; t++)
                {
                    progress.Move(0, Core.Lifecycle.TaskState.Running, Core.Lifecycle.TaskState.Ready, $"task-{t}", at);
                }
            }
        }, TestContext.Current.CancellationToken);

        for (var read = 0; read < 200_000; read++)
        {
            Assert.InRange(progress.Snapshot().LongestRunning.Count, 0, RunProgress.SnapshotRunningCount);
        }
        await stop.CancelAsync();
        await loop;
    }
}
