using System.Globalization;
using Baton.Core.Lifecycle;
using Baton.Testing.Executors;

namespace Baton.FaultInjection.Tests;

/// <summary>
/// The workspace's node is killed with SIGKILL at seeded random moments while its client follows a run, and the
/// workflow is run again each time (a new node starts and reconciles): every task still runs exactly once.
/// </summary>
public sealed class NodeKillTests : IDisposable
{
    private readonly FaultWorkspace _ws = new();

    [Fact]
    public async Task Twenty_SIGKILLs_of_the_node_during_a_500_task_workflow_lose_nothing_and_run_nothing_twice()
    {
        const int seed = 20261202;
        const int kills = 20;
        var random = new Random(seed);
        var ct = TestContext.Current.CancellationToken;
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
        string[] Run() => ["run", workflow, "--no-progress", "--cpus", "4", "--memory", "1G"];
        var pidFile = Path.Combine(_ws.Workspace, "node.pid");

        for (var k = 0; k < kills; k++)
        {
            File.Delete(pidFile);
            using var client = _ws.Start(Run());
            Assert.True(await Eventually.WaitUntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), FaultWorkspace.Generous, ct),
                $"no node started for kill {k + 1} (seed {seed}): {await File.ReadAllTextAsync(client.OutputFile, ct)}");
            var node = System.Diagnostics.Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture));
            if (k % 2 == 0)
            {
                // Anywhere: start-up, submission, registration, reconciliation, or work.
                await Task.Delay(random.Next(50, 700), ct);
            }
            else
            {
                // While attempts run: once the node has started one, a little later.
                var before = _ws.LedgerLines().Length;
                await Eventually.WaitUntilAsync(() => _ws.LedgerLines().Length > before || client.HasExited, FaultWorkspace.Generous, ct);
                await Task.Delay(random.Next(0, 300), ct);
            }
            Assert.False(client.HasExited, $"the run ended before kill {k + 1} (seed {seed}): {await File.ReadAllTextAsync(client.OutputFile, ct)}\nnode log:\n{_ws.NodeLogTail()}");
            node.Kill();
            await node.WaitForExitAsync(ct);
            // The client loses its node and says so; the run is left for the next node to reconcile.
            Assert.NotEqual(0, await client.WaitAsync(FaultWorkspace.Generous));
            Assert.Equal("ok", _ws.IntegrityCheck());
        }

        var (code, output) = await _ws.RunAsync([.. Run(), "--verbose"]);

        Assert.True(code == 0, $"the last run failed (seed {seed}): exit {code}\n{output}");
        var tasks = await _ws.TasksAsync("faults");
        Assert.Equal(500, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(TaskState.Done, t.State));
        var ledger = _ws.LedgerLines();
        Assert.Equal(tasks.Select(t => t.Identity).Order(StringComparer.Ordinal), ledger.Order(StringComparer.Ordinal));
        Assert.Equal("ok", _ws.IntegrityCheck());
        var (_, runs) = await _ws.RunAsync("runs");
        Assert.DoesNotContain("running", runs, StringComparison.Ordinal);
    }

    public void Dispose() => _ws.Dispose();
}
