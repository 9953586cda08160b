using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Resources;
using Baton.Engine.Node;
using Baton.Engine.Runs;

namespace Baton.Engine.Tests.Node;

/// <summary>A node drives several runs at once from one resource pool, with real processes and a real store.</summary>
public sealed class NodeEngineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_workflows_started_at_once_never_hold_more_cores_together_than_the_node_has()
    {
        await using var h = await EngineHarness.CreateAsync();
        var ledger = Path.Combine(h.Scratch, "ledger.txt");
        var node = new NodeEngine(h.Store, h.Layout, new OneExecutor(h.Executor), new RunOptions(new ResourceCapacity(2, 8L << 30)), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        string[] workflows = ["alpha", "beta", "gamma"];
        var runs = workflows.Select(name => node.Start(h.Compile($$"""
            name: {{name}}
            templates:
              hold:
                command: sh -c 'echo "+ $1" >> "$2"; sleep 0.2; echo "- $1" >> "$2"' {{name}} {i} {ledger}
                node_args: [i]
                op_args: [ledger]
                resources: { cpus: 1, memory: 10M }
            tasks:
              - template: hold
                foreach: { i: [1, 2, 3, 4] }
                args: { ledger: "{{ledger}}" }
            """), node.Defaults, new RunProgress())).ToList();

        var summaries = await Task.WhenAll(runs.Select(r => r.Completion));

        Assert.All(summaries, s => Assert.True(s.Succeeded));
        int inUse = 0, most = 0, events = 0;
        foreach (var line in await File.ReadAllLinesAsync(ledger, Ct))
        {
            inUse += line[0] == '+' ? 1 : -1;
            most = Math.Max(most, inUse);
            events++;
        }
        Assert.Equal(2 * 12, events);
        Assert.InRange(most, 1, 2);
        Assert.Empty(node.ActiveRuns);
        Assert.Equal((0, 0L), node.InUse());
    }

    [Fact]
    public async Task A_run_interrupted_through_the_node_kills_its_attempts_and_ends_interrupted()
    {
        await using var h = await EngineHarness.CreateAsync();
        var node = new NodeEngine(h.Store, h.Layout, new OneExecutor(h.Executor), new RunOptions(new ResourceCapacity(2, 8L << 30)), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var marker = Path.Combine(h.Scratch, "started");
        var run = node.Start(h.Compile($$"""
            name: long
            tasks:
              - name: sleeper
                command: sh -c 'touch "$1"; exec sleep 600' sh {{marker}}
            """), node.Defaults, new RunProgress());
        var control = await run.Control.WaitAsync(Ct);
        Assert.Equal("long", control.Workflow);
        Assert.Same(run, node.FindActive("long"));
        while (!File.Exists(marker))
        {
            await Task.Delay(20, Ct); // waits for the task's own signal, not for time
        }

        run.Interrupt();
        var summary = await run.Completion.WaitAsync(Ct);

        Assert.True(summary.Interrupted);
        Assert.Null(node.FindActive("long"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => control.KillAsync([], Ct));
    }

    private sealed class OneExecutor(IExecutor executor) : INodeExecutors
    {
        public IExecutor ExecutorOf(WorkflowGraph graph) => executor;

        public void LeaveRunning()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
