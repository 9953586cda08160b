using System.Diagnostics;
using System.Globalization;
using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Workspaces;
using Baton.Executors.Slurm;
using Baton.Testing.Executors;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton run --executor slurm</c> against the real SLURM cluster (scripts/slurm/start).</summary>
public sealed class RunOnSlurmTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public RunOnSlurmTests() => SlurmCluster.Require();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A workspace whose settings poll SLURM every second through wrappers that count each command.</summary>
    private static CountingSlurmCommands PrepareWorkspace(CliRunner cli)
    {
        var calls = new CountingSlurmCommands(Path.Join(cli.Root, "slurm-bin"));
        Directory.CreateDirectory(cli.Workspace);
        File.WriteAllText(Path.Join(cli.Workspace, "settings.yaml"), $"""
            slurm:
              poll_interval: 1s
              submissions_per_second: 50
              commands_dir: {calls.Folder}
            """);
        return calls;
    }

    [Fact]
    public async Task The_quickstart_that_runs_locally_runs_on_SLURM_and_ends_all_done()
    {
        using var cli = new CliRunner();
        var calls = PrepareWorkspace(cli);
        var workflow = Path.Combine(CliRunner.RepositoryRoot, "examples", "quickstart", "workflow.yaml");

        var result = await cli.RunAsync("run", workflow, "--executor", "slurm", "--no-progress");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("13 tasks: 13 ran and are done", result.Output, StringComparison.Ordinal);
        var report = await cli.RunAsync("logs", "report");
        Assert.Contains("analyze-3.9-1 mean=", report.Output, StringComparison.Ordinal);
        // Six simulations at once are one job array; at most one sbatch per task in all.
        Assert.InRange(calls.Count("sbatch"), 1, 13 - 5);
    }

    [Fact]
    public async Task Two_hundred_tasks_of_one_template_are_one_sbatch_and_at_most_one_squeue_per_poll_interval()
    {
        using var cli = new CliRunner();
        var calls = PrepareWorkspace(cli);
        var values = string.Join(", ", Enumerable.Range(1, 200));
        var workflow = cli.WriteWorkflow($$"""
            name: many
            templates:
              echo:
                command: echo {i}
                node_args: [i]
            tasks:
              - template: echo
                foreach: { i: [{{values}}] }
            """);
        var watch = Stopwatch.StartNew();

        var result = await cli.RunAsync("run", workflow, "--executor", "slurm", "--no-progress");
        var elapsed = watch.Elapsed;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("200 tasks: 200 ran and are done", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, calls.Count("sbatch"));
        Assert.InRange(calls.Count("squeue"), 1, (int)elapsed.TotalSeconds + 1);
    }

    [Fact]
    public async Task A_task_over_its_memory_limit_ends_out_of_memory_and_is_retried()
    {
        using var cli = new CliRunner();
        PrepareWorkspace(cli);
        var workflow = cli.WriteWorkflow("""
            name: hungry
            tasks:
              - name: hog
                command: sh -c 'x=0123456789; i=0; while [ $i -lt 25 ]; do x=$x$x; i=$((i+1)); done; sleep 30'
                resources: { memory: 60M }
                max_attempts: 2
            """);

        var result = await cli.RunAsync("run", workflow, "--executor", "slurm", "--no-progress");

        var show = await cli.RunAsync("show", "hog");
        var attempts = show.Output[show.Output.IndexOf("attempts", StringComparison.Ordinal)..];
        Assert.True(attempts.Contains("out_of_memory", StringComparison.Ordinal), result + "\n" + show);
        Assert.Contains(" 2 ", attempts, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_orchestrator_is_killed_with_SIGKILL_its_job_runs_on_and_is_found_again_by_job_id()
    {
        using var cli = new CliRunner();
        PrepareWorkspace(cli);
        var gate = Path.Join(cli.Root, "go");
        var workflow = cli.WriteWorkflow($"""
            name: survivor
            tasks:
              - name: long
                command: sh -c 'echo "$SLURM_JOB_ID" > job-id; while [ ! -e {gate} ]; do sleep 0.2; done; echo survived'
            """);
        var baton = Path.Join(AppContext.BaseDirectory, "baton");
        using var orchestrator = Process.Start(new ProcessStartInfo(baton)
        {
            ArgumentList = { "run", workflow, "--embedded", "--executor", "slurm", "--no-progress", "--workspace", cli.Workspace },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var tasks = Path.Join(cli.Workspace, "tasks");
        string? jobIdFile = null;
        Assert.True(await Eventually.WaitUntilAsync(
            () => (jobIdFile = Directory.Exists(tasks) ? Directory.EnumerateFiles(tasks, "job-id", SearchOption.AllDirectories).FirstOrDefault() : null) is not null,
            Patience, Ct), "the job never started");
        var jobId = (await Eventually.ReadLineFileAsync(jobIdFile!, Patience, Ct)).Trim();

        orchestrator.Kill(entireProcessTree: false); // SIGKILL: no clean-up of any kind
        await orchestrator.WaitForExitAsync(Ct);

        // A new orchestrator finds the job by its id while it still runs, and sees it end.
        var taskDirectory = Path.GetDirectoryName(jobIdFile)!;
        var attemptDirectory = WorkspaceLayout.AttemptDirectory(taskDirectory, 1);
        await using var executor = new SlurmExecutor(new SlurmExecutorOptions { PollInterval = TimeSpan.FromMilliseconds(500) });
        var handle = await executor.ReattachAsync(new AttemptRecord(
            "long", 1, jobId, "slurm", null, DateTimeOffset.UtcNow, taskDirectory, attemptDirectory, ResourceRequest.Default), Ct);
        Assert.False(handle.Completion.IsCompleted);
        await File.WriteAllTextAsync(gate, "", Ct);
        var result = await handle.Completion.WaitAsync(Patience, Ct);

        Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
        Assert.Equal("survived\n", await File.ReadAllTextAsync(WorkspaceLayout.StdoutFile(attemptDirectory), Ct));
        Assert.Equal(jobId, handle.ExecutorId.ToString(CultureInfo.InvariantCulture));
    }
}
