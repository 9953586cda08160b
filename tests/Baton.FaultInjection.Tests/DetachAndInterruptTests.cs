using System.Diagnostics;
using System.Globalization;
using Baton.Core.Lifecycle;
using Baton.Testing.Executors;

namespace Baton.FaultInjection.Tests;

/// <summary><c>baton run --detach</c> with <c>baton wait</c> from another process, and both Ctrl+C behaviours.</summary>
public sealed class DetachAndInterruptTests : IDisposable
{
    private const int Tasks = 8;
    private readonly FaultWorkspace _ws = new();

    private string Workflow(double sleep) =>
        _ws.Workflow("slow", _ws.LedgerTask($"sleep {sleep.ToString(CultureInfo.InvariantCulture)}"), Tasks);

    [Fact]
    public async Task A_detached_run_prints_its_id_and_baton_wait_in_another_process_follows_it_to_its_end()
    {
        var workflow = Workflow(0.3);

        var (code, output) = await _ws.RunAsync("run", workflow, "--detach", "--cpus", "2");

        Assert.True(code == 0, output);
        var runId = output.Split('\n').First(l => l.Length > 0 && l.All(char.IsAsciiDigit));
        var waited = await _ws.RunAsync("wait", runId);
        Assert.True(waited.ExitCode == 0, waited.Output);
        Assert.Contains($"run {runId} of 'slow' is done", waited.Output, StringComparison.Ordinal);
        Assert.All(await _ws.TasksAsync("slow"), t => Assert.Equal(TaskState.Done, t.State));
        Assert.Equal(Tasks, _ws.LedgerLines().Distinct().Count());
        Assert.Equal(Tasks, _ws.LedgerLines().Length);
    }

    [Fact]
    public async Task Ctrl_C_with_keep_running_leaves_attempts_running_and_the_next_run_re_attaches_instead_of_re_running()
    {
        var workflow = Workflow(1.5);
        using (var baton = _ws.Start("run", workflow, "--no-progress", "--cpus", "4", "--keep-running"))
        {
            Assert.True(await Eventually.WaitUntilAsync(() => _ws.LedgerLines().Length >= 2, FaultWorkspace.Generous, TestContext.Current.CancellationToken));
            await InterruptAsync(baton);
            var interrupted = await baton.WaitAsync(FaultWorkspace.Generous);
            Assert.True(interrupted == 130, $"exit {interrupted}: {await File.ReadAllTextAsync(baton.OutputFile, TestContext.Current.CancellationToken)}\nnode log:\n{_ws.NodeLogTail()}");
        }
        var left = await _ws.TasksAsync("slow");
        Assert.Contains(left, t => t.State == TaskState.Running);
        Assert.DoesNotContain(left, t => t.State is TaskState.Killing or TaskState.Killed);

        var (code, output) = await _ws.RunAsync("run", workflow, "--no-progress", "--cpus", "4");

        Assert.True(code == 0, output);
        Assert.All(await _ws.TasksAsync("slow"), t => Assert.Equal(TaskState.Done, t.State));
        Assert.Equal(Tasks, _ws.LedgerLines().Length);
        Assert.Equal(Tasks, _ws.LedgerLines().Distinct().Count());
    }

    [Fact]
    public async Task Ctrl_C_by_default_kills_the_running_attempts_and_leaves_the_store_consistent()
    {
        var workflow = Workflow(30);
        using (var baton = _ws.Start("run", workflow, "--no-progress", "--cpus", "2"))
        {
            Assert.True(await Eventually.WaitUntilAsync(() => _ws.LedgerLines().Length >= 2, FaultWorkspace.Generous, TestContext.Current.CancellationToken));
            await InterruptAsync(baton);
            var interrupted = await baton.WaitAsync(FaultWorkspace.Generous);
            Assert.True(interrupted == 130, $"exit {interrupted}: {await File.ReadAllTextAsync(baton.OutputFile, TestContext.Current.CancellationToken)}\nnode log:\n{_ws.NodeLogTail()}");
        }

        var tasks = await _ws.TasksAsync("slow");
        Assert.DoesNotContain(tasks, t => t.State is TaskState.Submitted or TaskState.Running or TaskState.Killing);
        var killed = tasks.Where(t => t.State == TaskState.Killed).ToList();
        Assert.Equal(2, killed.Count);
        foreach (var t in killed)
        {
            var exit = await File.ReadAllTextAsync(Path.Combine(t.Directory, "attempts", "1", "exit.json"), TestContext.Current.CancellationToken);
            Assert.Contains("\"outcome\":\"killed\"", exit, StringComparison.Ordinal);
        }
        Assert.Equal("ok", _ws.IntegrityCheck());
    }

    [Fact]
    public async Task A_cold_resume_kills_what_the_dead_orchestrator_left_running_and_runs_those_tasks_afresh()
    {
        var workflow = Workflow(30);
        using (var baton = _ws.Start("run", workflow, "--embedded", "--no-progress", "--cpus", "2"))
        {
            // Killed once the store says two tasks run (a task's script may start a moment before that is committed).
            Assert.True(await Eventually.WaitUntilAsync(
                async () => _ws.LedgerLines().Length >= 2 && (await _ws.TasksAsync("slow")).Count(t => t.State == TaskState.Running) >= 2,
                FaultWorkspace.Generous, TestContext.Current.CancellationToken));
            await baton.KillHardAsync();
        }
        var orphans = (await _ws.TasksAsync("slow")).Where(t => t.State == TaskState.Running).ToList();
        Assert.Equal(2, orphans.Count);
        // The next run must not wait 30 s for them: it kills them, and their second attempts are quick.
        Workflow(0.05);

        var (code, output) = await _ws.RunAsync("run", workflow, "--embedded", "--no-progress", "--cpus", "2", "--cold");

        Assert.True(code == 0, output);
        foreach (var orphan in orphans)
        {
            var details = await _ws.DetailsAsync(orphan.TaskId);
            Assert.Equal(TaskState.Done, details.Task.State);
            Assert.Equal([AttemptOutcome.Killed, AttemptOutcome.Succeeded], details.Attempts.Select(a => a.Outcome!.Value));
        }
    }

    [Fact]
    public async Task A_run_whose_node_was_killed_shows_as_lost_until_the_workflow_runs_again()
    {
        var workflow = Workflow(30);
        var pidFile = Path.Combine(_ws.Workspace, "node.pid");
        using (var baton = _ws.Start("run", workflow, "--no-progress", "--cpus", "2"))
        {
            Assert.True(await Eventually.WaitUntilAsync(
                async () => _ws.LedgerLines().Length >= 1 && (await _ws.TasksAsync("slow")).Any(t => t.State == TaskState.Running),
                FaultWorkspace.Generous, TestContext.Current.CancellationToken));
            using var node = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture));
            node.Kill();
            await node.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.NotEqual(0, await baton.WaitAsync(FaultWorkspace.Generous));
        }

        var (code, output) = await _ws.RunAsync("runs", "--json");

        Assert.True(code == 0, output);
        Assert.Equal(["lost"], Statuses(output));
        // Waiting for a task the dead node held would never end: it says why at once.
        var held = (await _ws.TasksAsync("slow")).First(t => t.State == TaskState.Running);
        var (waited, said) = await _ws.RunAsync("wait", "--task", held.Name);
        Assert.Equal(1, waited);
        Assert.Contains("no live run of workflow 'slow' drives it", said, StringComparison.Ordinal);

        Workflow(0.05);
        var again = await _ws.RunAsync("run", workflow, "--no-progress", "--cpus", "2", "--cold");
        Assert.True(again.ExitCode == 0, again.Output);
        var (_, after) = await _ws.RunAsync("runs", "--json");
        // The new run reconciled what the dead one left, and recorded it as interrupted.
        Assert.Equal(["done", "interrupted"], Statuses(after));

        static string[] Statuses(string json)
        {
            using var runs = System.Text.Json.JsonDocument.Parse(json[json.IndexOf('[', StringComparison.Ordinal)..]);
            return [.. runs.RootElement.EnumerateArray().Select(r => r.GetProperty("status").GetString()!)];
        }
    }

    /// <summary>What Ctrl+C in its terminal sends: SIGINT.</summary>
    private static async Task InterruptAsync(BatonProcess baton)
    {
        using var kill = Process.Start("kill", ["-INT", baton.ProcessId.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose() => _ws.Dispose();
}
