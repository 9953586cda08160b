using System.Diagnostics;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Workspaces;
using Baton.Testing;
using Baton.Testing.Executors;

namespace Baton.Executors.Slurm.Tests;

/// <summary>Taking the test cluster's only node down stops every other test's jobs: these tests run alone.</summary>
[CollectionDefinition(nameof(NodeFailures), DisableParallelization = true)]
public sealed class NodeFailures;

/// <summary>
/// Failures of where an attempt runs, caused for real: <c>scontrol requeue</c> (what a preemption with
/// <c>PreemptMode=REQUEUE</c> does) and <c>scontrol update nodename=… state=down</c> (a node failure). The attempt
/// ends <c>preempted</c>, and the job SLURM requeued does not run the program again.
/// </summary>
[Collection(nameof(NodeFailures))]
public sealed class SlurmInfrastructureTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _temp = new("baton-slurm-infra-");
    private readonly string _jobName = SlurmTestOptions.UniqueJobName("infra");

    public SlurmInfrastructureTests() => SlurmCluster.Require();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AttemptRequest Request(string script)
    {
        var taskDirectory = _temp.Combine("tasks", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(taskDirectory);
        return new AttemptRequest("infra-task", 1, ["/bin/sh", "-c", script], taskDirectory,
            WorkspaceLayout.AttemptDirectory(taskDirectory, 1), ResourceRequest.Default);
    }

    private static string Run(string program, params string[] arguments)
    {
        var (code, output) = TryRun(program, arguments);
        Assert.True(code == 0, $"{program} {string.Join(' ', arguments)}: {output}");
        return output;
    }

    private static (int Code, string Output) TryRun(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, (output + stderr.Result).Trim());
    }

    private async Task<(AttemptRequest Request, IAttemptHandle Handle)> StartRunningAsync(SlurmExecutor executor)
    {
        var request = Request("echo ran >> runs; sleep 600");
        var handle = await executor.StartAsync(request, Ct);
        await Eventually.ReadLineFileAsync(Path.Join(request.WorkingDirectory, "runs"), Patience, Ct);
        return (request, handle);
    }

    private static async Task AssertPreemptedAndNotRunAgainAsync(AttemptRequest request, IAttemptHandle handle)
    {
        var result = await handle.Completion.WaitAsync(Patience, Ct);
        Assert.Equal(AttemptOutcome.Preempted, result.Outcome);
        Assert.Contains("requeued", result.Message, StringComparison.Ordinal);
        // The requeued job is cancelled by Baton (or, if it ran first, exits without running the program).
        Assert.True(await Eventually.WaitUntilAsync(
            () => TryRun("squeue", "-h", "--states=all", "-j", handle.ExecutorId, "-o", "%T") is not (0, "PENDING" or "RUNNING" or "REQUEUED" or "COMPLETING"), Patience, Ct),
            "the requeued job still waits or runs");
        Assert.Equal("ran\n", await File.ReadAllTextAsync(Path.Join(request.WorkingDirectory, "runs"), Ct));
    }

    [Fact]
    public async Task A_job_requeued_by_scontrol_ends_preempted_and_its_program_does_not_run_twice()
    {
        await using var executor = new SlurmExecutor(SlurmTestOptions.Create(_jobName) with { CancelJobsOnDispose = true });
        var (request, handle) = await StartRunningAsync(executor);

        Run("scontrol", "requeue", handle.ExecutorId);

        await AssertPreemptedAndNotRunAgainAsync(request, handle);
    }

    [Fact]
    public async Task A_job_on_a_node_that_goes_down_ends_preempted()
    {
        await using var executor = new SlurmExecutor(SlurmTestOptions.Create(_jobName) with { CancelJobsOnDispose = true });
        var (request, handle) = await StartRunningAsync(executor);
        var node = Run("squeue", "-h", "-j", handle.ExecutorId, "-o", "%N");

        Run("scontrol", "update", "nodename=" + node, "state=down", "reason=baton-test");
        try
        {
            await AssertPreemptedAndNotRunAgainAsync(request, handle);
        }
        finally
        {
            // The node may be back already (ReturnToService=2 when its slurmd registers): then resume is refused.
            TryRun("scontrol", "update", "nodename=" + node, "state=resume");
            Assert.True(await Eventually.WaitUntilAsync(() => TryRun("sinfo", "-h", "-n", node, "-o", "%t").Output is "idle" or "mix" or "alloc", Patience, Ct), "the node did not come back");
        }
    }

    public void Dispose()
    {
        SlurmCluster.CancelAll(_jobName);
        _temp.Dispose();
    }
}
