using System.Globalization;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Testing;
using Baton.Testing.Executors;
using static Baton.Executors.Local.Tests.TestSupport;

namespace Baton.Executors.Local.Tests;

/// <summary>
/// Tasks that fight their executor (issue 16): a child that ignores SIGTERM, a task that SIGKILLs its supervisor.
/// Kill means gone, and one task cannot take the others down.
/// </summary>
public sealed class HostileTaskTests : IDisposable
{
    private readonly TempDirectory _temp = new("baton-hostile-");

    public void Dispose() => _temp.Dispose();

    private string NewTaskDirectory() => NewDirectory(_temp.Path, "task-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_killed_attempt_is_reported_only_once_a_child_that_ignores_SIGTERM_is_gone()
    {
        await using var executor = new LocalExecutor(new LocalExecutorOptions { KillGracePeriod = TimeSpan.FromSeconds(1) });
        var directory = NewTaskDirectory();
        // The program dies of SIGTERM at once; its child ignores SIGTERM and only SIGKILL ends it.
        var request = Request(directory, Shell("sh -c 'trap \"\" TERM; echo $$ > child.pid; while :; do sleep 1; done' & wait"));
        var handle = await executor.StartAsync(request, Ct);
        var child = await Eventually.ReadPidFileAsync(Path.Combine(directory, "child.pid"), Generous, Ct);

        await handle.KillAsync(Ct);
        var result = await CompleteAsync(handle);

        Assert.Equal(AttemptOutcome.Killed, result.Outcome);
        Assert.False(child.IsRunning, $"the attempt was reported killed while {child} still runs");
    }

    [Fact]
    public async Task A_task_that_kills_its_supervisor_does_not_take_the_other_attempts_down()
    {
        await using var executor = new LocalExecutor(new LocalExecutorOptions { KillGracePeriod = TimeSpan.FromSeconds(2) });
        const int Others = 10;
        var others = new List<(IAttemptHandle Handle, AttemptRequest Request)>();
        for (var i = 0; i < Others; i++)
        {
            var directory = NewTaskDirectory();
            var request = Request(directory, Shell("echo $$ > program.pid; while [ ! -e go ]; do sleep 0.05; done; echo out-$1; exit $1", i.ToString(CultureInfo.InvariantCulture)));
            others.Add((await executor.StartAsync(request, Ct), request));
            await Eventually.ReadPidFileAsync(Path.Combine(directory, "program.pid"), Generous, Ct);
        }
        var supervisor = ProcessProbe.Find(executor.SupervisorProcessId!.Value)!.Value;

        // $PPID of the program (a shell) is the supervisor that spawned it.
        var killerDirectory = NewTaskDirectory();
        var killer = await executor.StartAsync(
            Request(killerDirectory, Shell("while [ ! -e arm ]; do sleep 0.05; done; kill -9 $PPID; while [ ! -e go ]; do sleep 0.05; done; exit 42")), Ct);
        // Armed once its start is confirmed: killed any earlier, the supervisor could not even say it started it.
        await File.WriteAllTextAsync(Path.Combine(killerDirectory, "arm"), "", Ct);
        Assert.True(await Eventually.WaitUntilAsync(() => !supervisor.IsRunning, Generous, Ct), "the supervisor was not killed");
        foreach (var directory in others.Select(o => o.Request.WorkingDirectory).Append(killerDirectory))
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "go"), "", Ct);
        }

        for (var i = 0; i < Others; i++)
        {
            var result = await CompleteAsync(others[i].Handle);
            Assert.True(result.Outcome == (i == 0 ? AttemptOutcome.Succeeded : AttemptOutcome.Failed) && result.ExitCode == i, $"attempt {i}: {result}");
            Assert.Equal($"out-{i}\n", await File.ReadAllTextAsync(Path.Combine(others[i].Request.AttemptDirectory, "stdout"), Ct));
            Assert.True(ExitRecords.TryRead(Path.Combine(others[i].Request.AttemptDirectory, "exit.json"), out var record, out var error), error);
            Assert.Equal(i, record!.ExitCode);
        }
        var killed = await CompleteAsync(killer);
        Assert.True(killed.Outcome == AttemptOutcome.Failed && killed.ExitCode == 42, killed.ToString());

        // The executor started a new supervisor for what comes next.
        var next = await CompleteAsync(await executor.StartAsync(Request(NewTaskDirectory(), Shell("exit 0")), Ct));
        Assert.Equal(AttemptOutcome.Succeeded, next.Outcome);
        Assert.NotEqual(supervisor.ProcessId, executor.SupervisorProcessId);
    }
}
