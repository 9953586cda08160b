using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
        var watch = Stopwatch.StartNew();

        var result = await cli.RunAsync("run", workflow, "--executor", "slurm", "--no-progress");
        var elapsed = watch.Elapsed;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("13 tasks: 13 ran and are done", result.Output, StringComparison.Ordinal);
        var report = await cli.RunAsync("logs", "report");
        Assert.Contains("analyze-3.9-1 mean=", report.Output, StringComparison.Ordinal);
        // Six simulations at once are one job array; at most one sbatch per task in all.
        Assert.InRange(calls.Count("sbatch"), 1, 13 - 5);

        // Usage from SLURM's accounting (sacct, never one call per job) and the job script's own peak measurement.
        var usage = await cli.RunAsync("usage", "--json");
        Assert.True(usage.ExitCode == 0, usage.ToString());
        using var json = JsonDocument.Parse(usage.Output);
        var templates = json.RootElement.EnumerateArray().ToDictionary(t => t.GetProperty("template").GetString()!);
        foreach (var template in new[] { "simulate", "analyze" })
        {
            Assert.True(templates.TryGetValue(template, out var figures), usage.Output);
            Assert.Equal(6, figures.GetProperty("attempts").GetInt32());
            Assert.True(figures.GetProperty("peak_rss_bytes").GetProperty("min").GetDouble() > 0, usage.Output);
            Assert.True(figures.GetProperty("cpu_seconds").GetProperty("max").GetDouble() > 0, usage.Output);
        }
        Assert.InRange(calls.Count("sacct"), 1, (int)elapsed.TotalSeconds + 1);
    }

    [Fact]
    public async Task A_GPU_task_runs_on_SLURMs_GPUs_though_this_machine_declares_none()
    {
        using var cli = new CliRunner();
        PrepareWorkspace(cli);
        var workflow = cli.WriteWorkflow("""
            name: gpus
            tasks:
              - name: two-gpus
                command: sh -c 'echo "$CUDA_VISIBLE_DEVICES"'
                resources: { gpus: 2, gpu_memory: 10G }
            """);

        var result = await cli.RunAsync("run", workflow, "--executor", "slurm", "--no-progress");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("0,1", (await cli.RunAsync("logs", "two-gpus")).Output.Trim());
    }

    [Fact]
    public async Task A_job_SLURM_requeues_is_retried_as_a_new_attempt_that_max_attempts_does_not_count()
    {
        using var cli = new CliRunner();
        PrepareWorkspace(cli);
        var jobIds = Path.Join(cli.Root, "job-ids");
        var workflow = cli.WriteWorkflow($"""
            name: requeued
            tasks:
              - name: once
                command: sh -c 'echo "$SLURM_JOB_ID" >> {jobIds}; if [ ! -e {jobIds}.seen ]; then touch {jobIds}.seen; sleep 600; fi; echo done'
                max_attempts: 1
            """);

        var run = Task.Run(() => cli.RunAsync("run", workflow, "--executor", "slurm", "--no-progress"), Ct);
        var jobId = (await Eventually.ReadLineFileAsync(jobIds, Patience, Ct)).Trim();
        using (var requeue = Process.Start(new ProcessStartInfo("scontrol", ["requeue", jobId]))!)
        {
            await requeue.WaitForExitAsync(Ct);
            Assert.Equal(0, requeue.ExitCode);
        }
        var result = await run.WaitAsync(Patience, Ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        var show = await cli.RunAsync("show", "once");
        Assert.Contains("preempted", show.Output, StringComparison.Ordinal);
        Assert.Contains("not counted: infrastructure failure 1 of 5", show.Output, StringComparison.Ordinal);
        // Two attempts, two jobs: the requeued job never ran the program again.
        Assert.Equal(2, (await File.ReadAllLinesAsync(jobIds, Ct)).Distinct().Count());
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

    /// <summary>How many tasks of the workspace are in these states, as <c>baton ls --json</c> says (0 before there is a workspace).</summary>
    private static int CountTasks(CliRunner cli, params string[] states)
    {
        var list = cli.RunAsync(["ls", "--json", "--state", .. states]).GetAwaiter().GetResult();
        if (list.ExitCode != 0)
        {
            return 0; // no workspace yet
        }
        using var json = JsonDocument.Parse(list.Output);
        return json.RootElement.GetArrayLength();
    }

    [Fact]
    public async Task After_a_SIGKILL_with_fifty_jobs_queued_or_running_a_new_run_reattaches_to_every_job_and_submits_none_twice()
    {
        using var cli = new CliRunner();
        var calls = PrepareWorkspace(cli);
        var gate = Path.Join(cli.Root, "go");
        var values = string.Join(", ", Enumerable.Range(1, 50));
        var workflow = cli.WriteWorkflow($$"""
            name: fifty
            templates:
              wait:
                command: sh -c 'while [ ! -e {{gate}} ]; do sleep 0.2; done; echo "$1"' sh {i}
                node_args: [i]
            tasks:
              - template: wait
                foreach: { i: [{{values}}] }
            """);
        using var orchestrator = Process.Start(new ProcessStartInfo(Path.Join(AppContext.BaseDirectory, "baton"))
        {
            ArgumentList = { "run", workflow, "--embedded", "--executor", "slurm", "--no-progress", "--workspace", cli.Workspace },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        // All fifty in SLURM's hands (a few running, the rest queued) and recorded so: a task is marked submitted
        // before sbatch answers, but one seen running means the array's job ids were all recorded before it.
        Assert.True(await Eventually.WaitUntilAsync(
            () => CountTasks(cli, "submitted", "running") == 50 && CountTasks(cli, "running") > 0, Patience, Ct),
            "the fifty tasks were never all submitted");

        // The orchestrator itself (--embedded: the run's node is this process), not a client of a node that goes on.
        orchestrator.Kill(entireProcessTree: false); // SIGKILL: no clean-up of any kind
        await orchestrator.WaitForExitAsync(Ct);
        await File.WriteAllTextAsync(gate, "", Ct);
        var result = await cli.RunAsync("run", workflow, "--executor", "slurm", "--no-progress");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(50, CountTasks(cli, "done"));
        // One job array for the fifty, submitted once: the new run found every job by its id.
        Assert.Equal(1, calls.Count("sbatch"));
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
