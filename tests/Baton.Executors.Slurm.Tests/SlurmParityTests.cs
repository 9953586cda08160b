using System.Diagnostics;
using System.Globalization;
using Baton.Core.Executors;
using Baton.Core.Gpus;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Workspaces;
using Baton.Testing;
using Baton.Testing.Executors;

namespace Baton.Executors.Slurm.Tests;

/// <summary>
/// What cluster users rely on beyond the contract, against the real test cluster (scripts/slurm/start: 4 cores,
/// 2 GPUs declared as GRES, accounting through slurmdbd): GPUs, usage from sacct, SLURM's own time limit.
/// </summary>
public sealed class SlurmParityTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private readonly TempDirectory _temp = new("baton-slurm-parity-");
    private readonly string _jobName = SlurmTestOptions.UniqueJobName("parity");

    public SlurmParityTests() => SlurmCluster.Require();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SlurmExecutor NewExecutor(Func<SlurmExecutorOptions, SlurmExecutorOptions>? change = null)
    {
        var options = SlurmTestOptions.Create(_jobName) with { CancelJobsOnDispose = true };
        return new SlurmExecutor(change is null ? options : change(options));
    }

    private AttemptRequest Request(string script, ResourceRequest? resources = null)
    {
        var taskDirectory = _temp.Combine("tasks", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(taskDirectory);
        return new AttemptRequest("parity-task", 1, ["/bin/sh", "-c", script], taskDirectory,
            WorkspaceLayout.AttemptDirectory(taskDirectory, 1), resources ?? ResourceRequest.Default);
    }

    private static Task<AttemptResult> Finish(IAttemptHandle handle) => handle.Completion.WaitAsync(Patience, Ct);

    /// <summary>One squeue field (%T state, %r reason) of a job, as a user would ask.</summary>
    private static string Squeue(string jobId, string field)
    {
        using var process = Process.Start(new ProcessStartInfo("squeue", ["-h", "-j", jobId, "-o", field]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Trim();
    }

    [Fact]
    public async Task A_two_GPU_task_waits_while_one_GPU_tasks_fill_the_node_then_runs()
    {
        await using var executor = NewExecutor();
        var gpu = ResourceRequest.Default with { Gpus = GpuRequest.Whole(1) };
        var gate = _temp.Combine("go");
        var ones = new[] { Request($"echo \"$CUDA_VISIBLE_DEVICES\" > gpus; while [ ! -e {gate} ]; do sleep 0.2; done", gpu), Request($"while [ ! -e {gate} ]; do sleep 0.2; done", gpu) };
        var two = Request("echo \"$CUDA_VISIBLE_DEVICES\"", ResourceRequest.Default with { Gpus = GpuRequest.Whole(2) });

        var started = await executor.StartManyAsync(ones, Ct);
        await Task.WhenAll(started.Select(s => s.Handle!.Running)).WaitAsync(Patience, Ct);
        var waiting = await executor.StartAsync(two, Ct);

        // Two of the node's four cores are free: only GPUs hold the 2-GPU job back.
        Assert.True(await Eventually.WaitUntilAsync(() => Squeue(waiting.ExecutorId, "%T|%r") == "PENDING|Resources", Patience, Ct),
            $"the 2-GPU job is {Squeue(waiting.ExecutorId, "%T|%r")}");
        Assert.False(waiting.Running.IsCompleted);
        Assert.Equal("0", (await Eventually.ReadLineFileAsync(Path.Join(ones[0].WorkingDirectory, "gpus"), Patience, Ct)).Trim());

        await File.WriteAllTextAsync(gate, "", Ct);
        var result = await Finish(waiting);

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        Assert.Equal("0,1\n", await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(two.AttemptDirectory), Ct));
        Assert.Contains("#SBATCH --gres=gpu:2", await File.ReadAllTextAsync(Path.Join(two.AttemptDirectory, "job.sh"), Ct), StringComparison.Ordinal);
        foreach (var one in started)
        {
            Assert.Equal(AttemptOutcome.Succeeded, (await Finish(one.Handle!)).Outcome);
        }
    }

    [Fact]
    public async Task Usage_comes_from_sacct_for_all_ended_jobs_in_one_query_per_round()
    {
        await using var executor = NewExecutor();
        // About 100 MiB touched, then two seconds busy: SLURM samples the job, and sacct has its CPU time and MaxRSS.
        var requests = Enumerable.Range(0, 4)
            .Select(_ => Request("dd if=/dev/zero of=/dev/null bs=100M count=1; end=$(( $(date +%s) + 2 )); while [ $(date +%s) -lt $end ]; do :; done"))
            .ToList();

        var starts = await executor.StartManyAsync(requests, Ct);
        var results = await Task.WhenAll(starts.Select(s => Finish(s.Handle!)));

        foreach (var result in results)
        {
            Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
            var usage = Assert.IsType<AttemptUsage>(result.Usage);
            Assert.InRange(usage.PeakRssBytes, 90L << 20, 200L << 20);
            Assert.True(usage.Cpu > TimeSpan.Zero, $"cpu time {usage.Cpu}");
            Assert.True(usage.Wall >= TimeSpan.FromSeconds(1), $"wall time {usage.Wall}");
        }
        // Never one sacct per job: at most one per poll round.
        Assert.InRange(executor.UsageQueries, 1, executor.PollRounds);
    }

    [Fact]
    public async Task Without_sacct_attempts_end_as_before_with_no_usage_made_up()
    {
        await using var executor = NewExecutor(o => o with { Commands = o.Commands with { Sacct = _temp.Combine("no-sacct-here") } });
        var request = Request("dd if=/dev/zero of=/dev/null bs=10M count=1");

        var result = await Finish(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        Assert.Null(result.Usage);
    }

    [Fact]
    public async Task SLURMs_own_time_limit_sets_BATON_DEADLINE_and_ends_the_attempt_timed_out()
    {
        // No runtime of Baton's: the job's one-minute limit comes from sbatch_args, and SLURM enforces it.
        await using var executor = NewExecutor(o => o with { Job = new SlurmSettings(ExtraArguments: ["--time=1"]) });
        var request = Request("echo \"$BATON_DEADLINE\" > deadline; sleep 600");
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var result = await Finish(await executor.StartAsync(request, Ct));

        Assert.Equal(AttemptOutcome.TimedOut, result.Outcome);
        Assert.Contains("time limit", result.Message, StringComparison.Ordinal);
        var deadline = long.Parse((await File.ReadAllTextAsync(Path.Join(request.WorkingDirectory, "deadline"), Ct)).Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(deadline, before + 55, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    public void Dispose()
    {
        SlurmCluster.CancelAll(_jobName);
        _temp.Dispose();
    }
}
