using System.Globalization;
using System.Text.Json;

namespace Baton.FaultInjection.Tests;

/// <summary>
/// The workspace's node as users meet it from several shells: real <c>baton</c> processes (a node, its clients), a
/// real store and real task processes.
/// </summary>
public sealed class NodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_workflows_started_at_once_from_three_shells_never_use_more_than_the_two_cores_of_the_settings()
    {
        using var ws = new FaultWorkspace();
        File.WriteAllText(Path.Combine(ws.Workspace, "settings.yaml"), "cpus: 2\n");
        var ledger = ws.Write("cores", "");
        await using var node = await NodeAsync(ws);
        string[] workflows = ["alpha", "beta", "gamma"];
        // A script per workflow: their tasks are distinct tasks (identical ones would be shared, and run once).
        var files = workflows.Select(name => ws.Workflow(name, ws.Write($"hold-{name}.sh", $"""
            echo + >> '{ledger}'
            sleep 0.2
            echo - >> '{ledger}'
            """), 6)).ToList();

        var clients = files.Select(file => ws.Start("run", file, "--no-progress")).ToList();
        var codes = await Task.WhenAll(clients.Select(c => c.WaitAsync(FaultWorkspace.Generous)));

        Assert.All(codes, code => Assert.Equal(0, code));
        int inUse = 0, most = 0;
        var lines = File.ReadAllLines(ledger);
        foreach (var line in lines)
        {
            inUse += line == "+" ? 1 : -1;
            most = Math.Max(most, inUse);
        }
        Assert.Equal(2 * 18, lines.Length);
        Assert.InRange(most, 1, 2);
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task A_client_killed_with_SIGKILL_leaves_its_run_going_in_the_node_and_baton_wait_follows_it_to_the_end()
    {
        using var ws = new FaultWorkspace();
        var go = Path.Combine(ws.Root, "go");
        var script = ws.LedgerTask($"while [ ! -e '{go}' ]; do sleep 0.05; done");
        var file = ws.Workflow("held", script, 3);
        await using var node = await NodeAsync(ws);

        using var client = ws.Start("run", file, "--no-progress");
        await WaitForAsync(() => ws.LedgerLines().Length >= 2);
        await client.KillHardAsync();
        var (_, runs) = await ws.RunAsync("runs", "--json");
        var run = JsonDocument.Parse(runs).RootElement.EnumerateArray().Single();
        Assert.Equal("running", run.GetProperty("status").GetString());
        File.WriteAllText(go, "");

        var (code, output) = await ws.RunAsync("wait", run.GetProperty("run").GetInt64().ToString(CultureInfo.InvariantCulture), "--no-progress");

        Assert.True(code == 0, output);
        var (_, tasks) = await ws.RunAsync("ls", "--json");
        Assert.All(JsonDocument.Parse(tasks).RootElement.EnumerateArray(), t => Assert.Equal("done", t.GetProperty("state").GetString()));
        Assert.Equal(3, ws.LedgerLines().Distinct().Count());
        Assert.Equal(3, ws.LedgerLines().Length);
    }

    [Fact]
    public async Task The_node_refuses_to_stop_while_a_run_is_active_unless_forced_and_a_second_node_is_refused()
    {
        using var ws = new FaultWorkspace();
        var script = ws.LedgerTask("exec sleep 600");
        var file = ws.Workflow("long", script, 1);
        await using var node = await NodeAsync(ws);
        var (second, said) = await ws.RunAsync("node", "serve");
        Assert.Equal(2, second);
        Assert.Contains("a node already serves the workspace", said, StringComparison.Ordinal);

        var (detached, runId) = await ws.RunAsync("run", file, "--detach");
        Assert.Equal(0, detached);
        await WaitForAsync(() => ws.LedgerLines().Length >= 1);
        var (refused, why) = await ws.RunAsync("node", "stop");
        Assert.Equal(2, refused);
        Assert.Contains("active runs", why, StringComparison.Ordinal);

        var (forced, _) = await ws.RunAsync("node", "stop", "--force");
        Assert.Equal(0, forced);
        var (_, status) = await ws.RunAsync("node", "status");
        Assert.Contains("no node", status, StringComparison.Ordinal);
        var (_, tasks) = await ws.RunAsync("ls", "--json");
        Assert.Equal("killed", JsonDocument.Parse(tasks).RootElement.EnumerateArray().Single().GetProperty("state").GetString());
        Assert.True(long.TryParse(runId.Split('\n')[0], CultureInfo.InvariantCulture, out _), runId);
    }

    /// <summary>Starts the workspace's node; disposing stops it (forced), so no test leaves one behind.</summary>
    private static async Task<NodeHandle> NodeAsync(FaultWorkspace ws)
    {
        var (code, output) = await ws.RunAsync("node", "start", "--idle-timeout", "2m");
        Assert.True(code == 0, output);
        return new NodeHandle(ws);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        // Waits for what the tasks themselves write, not for time; the test's own timeout bounds it.
        while (!condition())
        {
            await Task.Delay(20, Ct);
        }
    }

    private sealed class NodeHandle(FaultWorkspace ws) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await ws.RunAsync("node", "stop", "--force");
    }
}
