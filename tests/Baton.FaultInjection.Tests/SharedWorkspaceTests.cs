using System.Globalization;
using Baton.Core.Lifecycle;
using Baton.Testing.Executors;

namespace Baton.FaultInjection.Tests;

/// <summary>Several orchestrators on one workspace: shared tasks run once; a dead one's tasks are taken over.</summary>
public sealed class SharedWorkspaceTests : IDisposable
{
    private const int Shared = 100;
    private const int Own = 20;
    private readonly FaultWorkspace _ws = new();

    /// <summary>A workflow with the 100 shared tasks (same template, command and arguments: the same identities) and 20 of its own after them.</summary>
    private string Workflow(string name, string task) => _ws.Write(name + ".yaml", $"""
        name: {name}
        defaults:
          resources: {"{"} cpus: 1, memory: 16M {"}"}
          max_attempts: 2
        templates:
          shared:
            command: sh {task} {"{"}i{"}"}
            node_args: [i]
          {name}-own:
            command: sh {task} {name} {"{"}dir:s-{"{"}i{"}"}{"}"}
            node_args: [i]
        tasks:
          - name: s-{"{"}i{"}"}
            template: shared
            foreach: {"{"} i: {FaultWorkspace.Numbers(Shared)} {"}"}
          - name: {name}-{"{"}i{"}"}
            template: {name}-own
            foreach: {"{"} i: {FaultWorkspace.Numbers(Own)} {"}"}
        """);

    private string Task(double sleep) => _ws.LedgerTask($"sleep {sleep.ToString(CultureInfo.InvariantCulture)}");

    // Each run in a baton process of its own (--embedded): several orchestrators sharing one workspace.
    private static string[] Run(string workflow) => ["run", workflow, "--embedded", "--no-progress", "--cpus", "3", "--memory", "1G"];

    [Fact]
    public async Task Two_orchestrators_sharing_100_tasks_run_each_exactly_once()
    {
        var task = Task(0.05);
        var left = Workflow("left", task);
        var right = Workflow("right", task);

        using var first = _ws.Start(Run(left));
        using var second = _ws.Start(Run(right));
        var firstCode = await first.WaitAsync(FaultWorkspace.Generous);
        var secondCode = await second.WaitAsync(FaultWorkspace.Generous);

        Assert.True(firstCode == 0, await File.ReadAllTextAsync(first.OutputFile, TestContext.Current.CancellationToken));
        Assert.True(secondCode == 0, await File.ReadAllTextAsync(second.OutputFile, TestContext.Current.CancellationToken));
        await AssertEachRanOnceAsync();
    }

    [Fact]
    public async Task The_tasks_of_an_orchestrator_killed_mid_run_are_taken_over_and_a_live_run_is_not_run_twice()
    {
        var task = Task(0.2);
        var left = Workflow("left", task);
        var right = Workflow("right", task);

        using var first = _ws.Start(Run(left));
        Assert.True(await Eventually.WaitUntilAsync(() => _ws.LedgerLines().Length >= 3 || first.HasExited, FaultWorkspace.Generous, TestContext.Current.CancellationToken));
        // The same workflow again while its run is alive: refused, naming the process that runs it.
        var (code, output) = await _ws.RunAsync(Run(left));
        Assert.True(code == 2, output);
        Assert.Contains($"pid {first.ProcessId} on {Environment.MachineName}", output, StringComparison.Ordinal);

        using var second = _ws.Start(Run(right));
        Assert.True(await Eventually.WaitUntilAsync(() => _ws.LedgerLines().Length >= 10 || first.HasExited, FaultWorkspace.Generous, TestContext.Current.CancellationToken));
        Assert.False(first.HasExited, "the first run ended before it could be killed");
        await first.KillHardAsync();

        // The second takes over what the dead one held (its running attempts included) and finishes.
        Assert.True(await second.WaitAsync(FaultWorkspace.Generous) == 0, await File.ReadAllTextAsync(second.OutputFile, TestContext.Current.CancellationToken));
        var again = await _ws.RunAsync(Run(left));
        Assert.True(again.ExitCode == 0, again.Output);
        await AssertEachRanOnceAsync();
    }

    private async Task AssertEachRanOnceAsync()
    {
        var identities = new HashSet<string>(StringComparer.Ordinal);
        foreach (var workflow in new[] { "left", "right" })
        {
            var tasks = await _ws.TasksAsync(workflow);
            Assert.Equal(Shared + Own, tasks.Count);
            Assert.All(tasks, t => Assert.Equal(TaskState.Done, t.State));
            identities.UnionWith(tasks.Select(t => t.Identity));
        }
        Assert.Equal(Shared + 2 * Own, identities.Count);
        var ledger = _ws.LedgerLines();
        var twice = ledger.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"tasks that ran more than once: {string.Join(", ", twice)}");
        Assert.Equal(identities.Order(StringComparer.Ordinal), ledger.Order(StringComparer.Ordinal));
        Assert.Equal("ok", _ws.IntegrityCheck());
    }

    public void Dispose() => _ws.Dispose();
}
