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
    public async Task The_longest_running_tasks_can_be_read_while_the_run_loop_starts_and_ends_tasks()
    {
        // A follower reads the snapshot on its own thread while the loop moves tasks: the read must never see the
        // running set change size under it (it did: an IndexOutOfRangeException that cut the follow stream).
        var progress = new RunProgress();
        const int Tasks = 64;
        progress.Initialize(["t"], new int[Tasks], Enumerable.Repeat(Core.Lifecycle.TaskState.Ready, Tasks).ToArray());
        using var done = new CancellationTokenSource();
        var loop = Task.Run(() =>
        {
            var at = DateTimeOffset.UnixEpoch;
            for (var i = 0; !done.IsCancellationRequested; i++)
            {
                var task = $"task-{i % Tasks}";
                progress.Move(0, Core.Lifecycle.TaskState.Ready, Core.Lifecycle.TaskState.Running, task, at.AddSeconds(i));
                progress.Move(0, Core.Lifecycle.TaskState.Running, Core.Lifecycle.TaskState.Ready, $"task-{(i + Tasks / 2) % Tasks}", at.AddSeconds(i));
            }
        }, TestContext.Current.CancellationToken);
        try
        {
            for (var read = 0; read < 200_000; read++)
            {
                Assert.True(progress.Snapshot().LongestRunning.Count <= RunProgress.SnapshotRunningCount);
            }
        }
        finally
        {
            await done.CancelAsync();
            await loop;
        }
    }
}
