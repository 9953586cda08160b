using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

public sealed class KillCommandTests
{
    [Fact]
    public async Task Kill_reaches_the_running_run_and_returns_once_the_task_is_killed()
    {
        using var cli = new CliRunner();
        var started = Path.Combine(cli.Root, "started");
        var workflow = cli.WriteWorkflow($$"""
            name: long
            tasks:
              - name: sleeper
                command: sh -c 'echo $$ > "$1"; exec sleep 600' sh {{started}}
              - name: after
                command: /bin/true
                after: [sleeper]
            """);
        var run = cli.RunAsync("run", workflow, "--no-progress");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(File.Exists(started) && new FileInfo(started).Length > 0))
        {
            Assert.False(run.IsCompleted, "the run ended before the sleeper started");
            Assert.True(DateTime.UtcNow < deadline, "the sleeper did not start");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var kill = await cli.RunAsync("kill", "sleeper");
        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Contains("sleeper: killed", kill.Output, StringComparison.Ordinal);

        var result = await run;
        Assert.True(result.ExitCode == 1, result.ToString());
        var tasks = JsonDocument.Parse((await cli.RunAsync("ls", "--json")).Output).RootElement.EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("state").GetString());
        Assert.Equal("killed", tasks["sleeper"]);
        Assert.Equal("failed", tasks["after"]);
    }

    [Fact]
    public async Task Killing_another_workflow_leaves_the_running_run_alone()
    {
        using var cli = new CliRunner();
        var started = Path.Combine(cli.Root, "started");
        var idle = cli.WriteWorkflow("name: idle\ntasks:\n  - name: a\n    command: /bin/true idle-a\n", "idle.yaml");
        Assert.Equal(0, (await cli.RunAsync("run", idle, "--dry-run")).ExitCode);
        var busy = cli.WriteWorkflow($$"""
            name: busy
            tasks:
              - name: sleeper
                command: sh -c 'echo $$ > "$1"; exec sleep 600' sh {{started}}
            """, "busy.yaml");
        var run = cli.RunAsync("run", busy, "--no-progress");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(File.Exists(started) && new FileInfo(started).Length > 0))
        {
            Assert.False(run.IsCompleted, "the run ended before the sleeper started");
            Assert.True(DateTime.UtcNow < deadline, "the sleeper did not start");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var other = await cli.RunAsync("kill", "--workflow", "idle");
        Assert.True(other.ExitCode == 0, other.ToString());
        Assert.Contains("a: killed", other.Output, StringComparison.Ordinal);
        Assert.False(run.IsCompleted, "killing workflow 'idle' must not touch the run of 'busy'");
        var states = JsonDocument.Parse((await cli.RunAsync("ls", "--workflow", "busy", "--json")).Output).RootElement;
        // States are group-committed, so the store may still say submitted; what matters is that no kill happened.
        var state = Assert.Single(states.EnumerateArray()).GetProperty("state").GetString();
        Assert.True(state is "submitted" or "running", $"the sleeper is {state}");

        Assert.Equal(0, (await cli.RunAsync("kill", "--workflow", "busy")).ExitCode);
        Assert.Equal(1, (await run).ExitCode);
    }

    [Fact]
    public async Task Without_a_run_waiting_tasks_are_killed_directly_and_finished_ones_are_left_alone()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("name: idle\ntasks:\n  - name: a\n    command: /bin/true a\n  - name: b\n    command: /bin/true b\n    after: [a]\n");
        Assert.Equal(0, (await cli.RunAsync("run", workflow, "--dry-run")).ExitCode);

        var kill = await cli.RunAsync("kill", "--workflow", "idle");
        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Contains("a: killed", kill.Output, StringComparison.Ordinal);
        Assert.Contains("b: killed", kill.Output, StringComparison.Ordinal);

        Assert.Equal(2, (await cli.RunAsync("kill")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("kill", "nobody")).ExitCode);
    }
}
