using System.Diagnostics;
using System.Globalization;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Workspaces;
using Baton.Testing;
using Baton.Testing.Executors;

namespace Baton.Executors.Slurm.Tests;

/// <summary>What only a queued, external executor does: outcomes SLURM decides, arrays, counting calls, re-attach.</summary>
public sealed class SlurmExecutorTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _temp = new("baton-slurm-");
    private readonly string _jobName = SlurmTestOptions.UniqueJobName("exec");

    public SlurmExecutorTests() => SlurmCluster.Require();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SlurmExecutor NewExecutor(Func<SlurmExecutorOptions, SlurmExecutorOptions>? change = null)
    {
        var options = SlurmTestOptions.Create(_jobName) with { CancelJobsOnDispose = true };
        return new SlurmExecutor(change is null ? options : change(options));
    }

    private AttemptRequest Request(string script, long memoryBytes = 0, TimeSpan? runtime = null, int attempt = 1, string? taskDirectory = null)
    {
        taskDirectory ??= _temp.Combine("tasks", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(taskDirectory);
        return new AttemptRequest("slurm-task", attempt, ["/bin/sh", "-c", script], taskDirectory,
            WorkspaceLayout.AttemptDirectory(taskDirectory, attempt), new ResourceRequest(1, memoryBytes, runtime));
    }

    private static Task<AttemptResult> Finish(IAttemptHandle handle) => handle.Completion.WaitAsync(Patience, Ct);

    private static string Stdout(AttemptRequest request) => File.ReadAllText(WorkspaceLayout.StdoutFile(request.AttemptDirectory));

    [Fact]
    public async Task The_job_script_is_kept_and_the_task_learns_its_job_id()
    {
        await using var executor = NewExecutor();
        var request = Request("echo \"job=$SLURM_JOB_ID\"");

        var handle = await executor.StartAsync(request, Ct);
        var result = await Finish(handle);

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        Assert.Equal($"job={handle.ExecutorId}\n", Stdout(request));
        var script = await File.ReadAllTextAsync(Path.Join(request.AttemptDirectory, "job.sh"), Ct);
        Assert.Contains("#SBATCH --cpus-per-task=1", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_runtime_limit_sets_BATON_DEADLINE_and_the_time_limit()
    {
        await using var executor = NewExecutor();
        var request = Request("echo \"$BATON_DEADLINE\"", runtime: TimeSpan.FromMinutes(5));
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var result = await Finish(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        var deadline = long.Parse(Stdout(request).Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(deadline, before + 300, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 300);
        Assert.Contains("#SBATCH --time=7", await File.ReadAllTextAsync(Path.Join(request.AttemptDirectory, "job.sh"), Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_over_its_memory_limit_is_killed_by_SLURM_and_ends_OutOfMemory()
    {
        await using var executor = NewExecutor();
        // 60 MB allowed; the program holds about 300 MB (a shell variable doubled until large) for a while.
        var request = Request("x=0123456789; i=0; while [ $i -lt 25 ]; do x=$x$x; i=$((i+1)); done; sleep 30", memoryBytes: 60L << 20);

        var result = await Finish(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.OutOfMemory, result.Outcome);
        Assert.Contains("Exceeded job memory limit", await File.ReadAllTextAsync(Path.Join(request.AttemptDirectory, "slurm.out"), Ct), StringComparison.Ordinal);
        Assert.True(File.Exists(WorkspaceLayout.ExitFile(request.AttemptDirectory)));
    }

    [Fact]
    public async Task Scancel_from_outside_ends_the_attempt_Killed()
    {
        await using var executor = NewExecutor();
        var request = Request("echo started > started; sleep 600");
        var handle = await executor.StartAsync(request, Ct);
        await Eventually.ReadLineFileAsync(Path.Join(request.WorkingDirectory, "started"), Patience, Ct);

        using (var scancel = Process.Start("scancel", handle.ExecutorId))
        {
            await scancel.WaitForExitAsync(Ct);
        }
        var result = await Finish(handle);

        Assert.Equal(AttemptOutcome.Killed, result.Outcome);
        Assert.Null(result.ExitCode);
    }

    [Fact]
    public async Task A_held_job_is_Submitted_until_it_runs()
    {
        await using var executor = NewExecutor(o => o with { Job = new SlurmSettings(ExtraArguments: ["--hold"]) });
        var request = Request("echo ran");
        var handle = await executor.StartAsync(request, Ct);

        // Several polls see it pending: Running has not completed.
        Assert.True(await Eventually.WaitUntilAsync(() => executor.StatusQueries >= 3, Patience, Ct));
        Assert.False(handle.Running.IsCompleted);
        using (var release = Process.Start("scontrol", ["release", handle.ExecutorId]))
        {
            await release.WaitForExitAsync(Ct);
        }
        var result = await Finish(handle);

        Assert.True(handle.Running.IsCompletedSuccessfully);
        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
    }

    [Fact]
    public async Task Two_hundred_attempts_go_as_one_job_array_with_one_squeue_per_poll_interval()
    {
        var calls = new CountingSlurmCommands(_temp.Combine("bin"));
        await using var executor = NewExecutor(o => o with { Commands = SlurmCommandPaths.InDirectory(calls.Folder), PollInterval = TimeSpan.FromSeconds(1) });
        var shared = _temp.Combine("tasks", "array");
        var requests = Enumerable.Range(1, 200).Select(i => Request($"echo {i}", attempt: i, taskDirectory: shared)).ToList();
        var watch = Stopwatch.StartNew();

        var starts = await executor.StartManyAsync(requests, Ct);
        var results = await Task.WhenAll(starts.Select(s => Finish(s.Handle!)));
        var elapsed = watch.Elapsed;

        Assert.All(results, r => Assert.Equal(AttemptOutcome.Succeeded, r.Outcome));
        for (var i = 0; i < requests.Count; i++)
        {
            Assert.Equal($"{i + 1}\n", Stdout(requests[i]));
        }
        Assert.Single(starts.Select(s => s.Handle!.ExecutorId.Split('_')[0]).Distinct());
        Assert.Equal(1, calls.Count("sbatch"));
        // At most one squeue per poll interval (plus the one under way when the clock was read).
        Assert.InRange(calls.Count("squeue"), 1, (int)elapsed.TotalSeconds + 1);
        Assert.Equal(executor.StatusQueries, calls.Count("squeue"));
    }

    [Fact]
    public async Task Killing_many_attempts_at_once_is_one_scancel_and_each_ends_Killed()
    {
        var calls = new CountingSlurmCommands(_temp.Combine("bin"));
        await using var executor = NewExecutor(o => o with
        {
            Commands = SlurmCommandPaths.InDirectory(calls.Folder),
            PollInterval = TimeSpan.FromSeconds(2),
            Job = new SlurmSettings(ExtraArguments: ["--hold"]),
        });
        var requests = Enumerable.Range(1, 5).Select(i => Request("sleep 600", attempt: i)).ToList();
        var starts = await executor.StartManyAsync(requests, Ct);

        foreach (var start in starts)
        {
            await start.Handle!.KillAsync(Ct);
        }
        var results = await Task.WhenAll(starts.Select(s => Finish(s.Handle!)));

        Assert.All(results, r => Assert.Equal(AttemptOutcome.Killed, r.Outcome));
        Assert.Equal(1, calls.Count("scancel"));
    }

    [Fact]
    public async Task A_later_executor_reattaches_to_a_running_job_by_its_id()
    {
        var request = Request("echo started > started; while [ ! -e go ]; do sleep 0.2; done; echo finished");
        AttemptRecord record;
        // The first orchestrator submits and goes away without cancelling anything.
        await using (var first = NewExecutor(o => o with { CancelJobsOnDispose = false }))
        {
            var handle = await first.StartAsync(request, Ct);
            record = new AttemptRecord(request.TaskName, request.Attempt, handle.ExecutorId, handle.Host, handle.ProcessId,
                handle.StartedAt, request.WorkingDirectory, request.AttemptDirectory, request.Resources);
        }
        await Eventually.ReadLineFileAsync(Path.Join(request.WorkingDirectory, "started"), Patience, Ct);

        await using var second = NewExecutor();
        var reattached = await second.ReattachAsync(record, Ct);
        Assert.Equal(record.ExecutorId, reattached.ExecutorId);
        Assert.False(reattached.Completion.IsCompleted);
        await File.WriteAllTextAsync(Path.Join(request.WorkingDirectory, "go"), "", Ct);
        var result = await Finish(reattached);

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        Assert.Equal("finished\n", Stdout(request));

        // Once ended, re-attaching answers at once from exit.json.
        await using var third = NewExecutor();
        var again = await third.ReattachAsync(record, Ct);
        Assert.True(again.Completion.IsCompletedSuccessfully);
        Assert.Equal(AttemptOutcome.Succeeded, (await again.Completion).Outcome);
    }

    [Fact]
    public async Task A_job_unknown_to_SLURM_without_a_record_is_Lost()
    {
        var request = Request("true");
        Directory.CreateDirectory(request.AttemptDirectory);
        await using var executor = NewExecutor();

        var handle = await executor.ReattachAsync(
            new AttemptRecord(request.TaskName, 1, "999999999", "slurm", null, DateTimeOffset.UtcNow, request.WorkingDirectory, request.AttemptDirectory, request.Resources), Ct);
        var result = await Finish(handle);

        Assert.Equal(AttemptOutcome.Lost, result.Outcome);
        Assert.True(File.Exists(WorkspaceLayout.ExitFile(request.AttemptDirectory)));
    }

    public void Dispose()
    {
        SlurmCluster.CancelAll(_jobName);
        _temp.Dispose();
    }
}
