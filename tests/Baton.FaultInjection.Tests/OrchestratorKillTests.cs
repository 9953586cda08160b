using System.Globalization;
using Baton.Core.Lifecycle;
using Baton.Testing.Executors;

namespace Baton.FaultInjection.Tests;

/// <summary>
/// The orchestrator is killed with SIGKILL at seeded random moments and started again: every task still ends
/// exactly once with its true outcome.
/// </summary>
public sealed class OrchestratorKillTests : IDisposable
{
    private readonly FaultWorkspace _ws = new();

    [Fact]
    public async Task Twenty_SIGKILLs_during_a_500_task_workflow_lose_nothing_and_run_nothing_twice()
    {
        const int seed = 20261121;
        const int kills = 20;
        var random = new Random(seed);
        var task = _ws.LedgerTask("sleep 0.1");
        var workflow = _ws.Write("faults.yaml", $"""
            name: faults
            defaults:
              resources: {"{"} cpus: 1, memory: 16M {"}"}
              max_attempts: 3
            templates:
              first:
                command: sh {task} {"{"}i{"}"}
                node_args: [i]
              second:
                command: sh {task} {"{"}dir:first-{"{"}i{"}"}{"}"}
                node_args: [i]
            tasks:
              - name: first-{"{"}i{"}"}
                template: first
                foreach: {"{"} i: {FaultWorkspace.Numbers(250)} {"}"}
              - name: second-{"{"}i{"}"}
                template: second
                foreach: {"{"} i: {FaultWorkspace.Numbers(250)} {"}"}
            """);
        string[] Run() => ["run", workflow, "--embedded", "--no-progress", "--cpus", "4", "--memory", "1G"];

        for (var k = 0; k < kills; k++)
        {
            using var baton = _ws.Start(Run());
            if (k % 2 == 0)
            {
                // Anywhere: start-up, registration, reconciliation, or work.
                await Task.Delay(random.Next(50, 700), TestContext.Current.CancellationToken);
            }
            else
            {
                // While attempts run: once this orchestrator has started one, a little later.
                var before = _ws.LedgerLines().Length;
                await Eventually.WaitUntilAsync(() => _ws.LedgerLines().Length > before || baton.HasExited, FaultWorkspace.Generous, TestContext.Current.CancellationToken);
                await Task.Delay(random.Next(0, 300), TestContext.Current.CancellationToken);
            }
            Assert.False(baton.HasExited, $"baton ended before kill {k + 1} (seed {seed}): {await File.ReadAllTextAsync(baton.OutputFile, TestContext.Current.CancellationToken)}");
            await baton.KillHardAsync();
            Assert.Equal("ok", _ws.IntegrityCheck());
        }

        var (code, output) = await _ws.RunAsync(Run());

        Assert.True(code == 0, $"the last run failed (seed {seed}): exit {code}\n{output}");
        var tasks = await _ws.TasksAsync("faults");
        Assert.Equal(500, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(TaskState.Done, t.State));
        var ledger = _ws.LedgerLines();
        var twice = ledger.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (twice.Count > 0)
        {
            var report = new System.Text.StringBuilder();
            foreach (var t in tasks.Where(t => twice.Contains(t.Identity)))
            {
                var details = await _ws.DetailsAsync(t.TaskId);
                report.AppendLine(CultureInfo.InvariantCulture, $"{t.Name} {t.Identity}:");
                foreach (var a in details.Attempts)
                {
                    report.AppendLine(CultureInfo.InvariantCulture, $"  attempt {a.Number} run {a.RunId} id '{a.ExecutorId}' {a.StartedAt:O}..{a.EndedAt:O} {a.Outcome} {a.ExitCode} {a.Message}");
                }
                foreach (var h in details.History)
                {
                    report.AppendLine(CultureInfo.InvariantCulture, $"  {h.At:O} run {h.RunId} {h.State} {h.Message}");
                }
                foreach (var dir in Directory.GetDirectories(Path.Combine(t.Directory, "attempts")))
                {
                    report.AppendLine(CultureInfo.InvariantCulture, $"  {dir}: {string.Join(" ", Directory.GetFiles(dir).Select(Path.GetFileName))}");
                }
            }
            Assert.Fail($"tasks that ran more than once (seed {seed}):\n{report}");
        }
        Assert.Equal(tasks.Select(t => t.Identity).Order(StringComparer.Ordinal), ledger.Order(StringComparer.Ordinal));
        Assert.Equal("ok", _ws.IntegrityCheck());
        // The kills landed while attempts ran: some tasks were taken over by a later orchestrator, not run again.
        var reattached = 0;
        foreach (var t in tasks)
        {
            var details = await _ws.DetailsAsync(t.TaskId);
            reattached += details.History.Count(h => h.Message == "re-attached after a restart");
        }
        Assert.True(reattached > 0, "no kill landed while an attempt ran");
    }

    [Fact]
    public async Task An_attempt_killed_while_the_orchestrator_was_dead_is_retried_and_the_others_are_not()
    {
        var release = Path.Combine(_ws.Root, "release");
        var workflow = _ws.Workflow("killed", _ws.LedgerTask($"while [ ! -e '{release}' ]; do sleep 0.05; done"), 4, maxAttempts: 2);
        string[] Run() => ["run", workflow, "--embedded", "--no-progress", "--cpus", "4", "--memory", "1G"];

        using (var baton = _ws.Start(Run()))
        {
            Assert.True(await Eventually.WaitUntilAsync(() => _ws.LedgerLines().Length == 4, FaultWorkspace.Generous, TestContext.Current.CancellationToken),
                "the four attempts did not start");
            await baton.KillHardAsync();
        }
        // Two programs die by SIGKILL while no orchestrator runs; their supervisor records exit status 137.
        var tasks = await _ws.TasksAsync("killed");
        var victims = tasks.Take(2).ToList();
        foreach (var victim in victims)
        {
            var pid = await Eventually.ReadLineFileAsync(Path.Combine(victim.Directory, "attempts", "1", "pid"), FaultWorkspace.Generous, TestContext.Current.CancellationToken);
            var process = ProcessProbe.Find(int.Parse(pid.Split(' ')[0], CultureInfo.InvariantCulture));
            Assert.NotNull(process);
            System.Diagnostics.Process.GetProcessById(process.Value.ProcessId).Kill();
            Assert.True(await Eventually.WaitUntilAsync(() => File.Exists(Path.Combine(victim.Directory, "attempts", "1", "exit.json")), FaultWorkspace.Generous, TestContext.Current.CancellationToken));
        }
        await File.WriteAllTextAsync(release, "", TestContext.Current.CancellationToken);

        var (code, output) = await _ws.RunAsync(Run());

        Assert.True(code == 0, output);
        var ledger = _ws.LedgerLines();
        foreach (var t in await _ws.TasksAsync("killed"))
        {
            Assert.Equal(TaskState.Done, t.State);
            var details = await _ws.DetailsAsync(t.TaskId);
            var identity = Path.GetFileName(t.Directory);
            if (victims.Any(v => v.TaskId == t.TaskId))
            {
                Assert.Equal(2, ledger.Count(l => l == identity));
                Assert.Equal(2, details.Attempts.Count);
                Assert.Equal(AttemptOutcome.Failed, details.Attempts[0].Outcome);
                Assert.Equal(137, details.Attempts[0].ExitCode);
            }
            else
            {
                Assert.Equal(1, ledger.Count(l => l == identity));
                Assert.Equal(AttemptOutcome.Succeeded, Assert.Single(details.Attempts).Outcome);
            }
        }
    }

    public void Dispose() => _ws.Dispose();
}
