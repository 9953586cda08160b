using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>ls</c>, <c>show</c>, <c>logs</c> and <c>runs</c> over a workspace with a finished run.</summary>
public sealed class InspectCommandsTests
{
    private const string Workflow = """
        name: inspect
        templates:
          greet:
            command: sh -c 'echo "hello $1"; echo "warning $1" >&2' sh {who}
            node_args: [who]
        tasks:
          - name: greet-{who}
            template: greet
            foreach: { who: [ada, grace] }
            tags: [greeting]
            attributes: { owner: alice }
          - name: broken
            command: sh -c 'exit 4'
            max_attempts: 1
        """;

    private static async Task<CliRunner> RunWorkflowAsync()
    {
        var cli = new CliRunner();
        var result = await cli.RunAsync("run", cli.WriteWorkflow(Workflow));
        Assert.True(result.ExitCode == 1, result.ToString());
        return cli;
    }

    [Fact]
    public async Task Ls_filters_by_state_template_and_tag_and_prints_json()
    {
        using var cli = await RunWorkflowAsync();

        var all = JsonDocument.Parse((await cli.RunAsync("ls", "--json")).Output).RootElement;
        Assert.Equal(3, all.GetArrayLength());

        var failed = JsonDocument.Parse((await cli.RunAsync("ls", "--state", "failed", "--json")).Output).RootElement;
        var broken = Assert.Single(failed.EnumerateArray());
        Assert.Equal("broken", broken.GetProperty("name").GetString());
        Assert.Equal("exit code", broken.GetProperty("reason").GetString());
        Assert.Equal(4, broken.GetProperty("exit_code").GetInt32());

        var tagged = JsonDocument.Parse((await cli.RunAsync("ls", "--tag", "greeting", "--json")).Output).RootElement;
        Assert.Equal(["greet-ada", "greet-grace"], tagged.EnumerateArray().Select(t => t.GetProperty("name").GetString()));

        var byTemplate = await cli.RunAsync("ls", "--template", "greet");
        Assert.Contains("greet-ada", byTemplate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("broken", byTemplate.Output, StringComparison.Ordinal);

        var badState = await cli.RunAsync("ls", "--state", "sleeping");
        Assert.Equal(2, badState.ExitCode);
    }

    [Fact]
    public async Task Show_prints_identity_parameters_history_and_attempts()
    {
        using var cli = await RunWorkflowAsync();
        var json = JsonDocument.Parse((await cli.RunAsync("show", "greet-ada", "--json")).Output).RootElement;

        var identity = json.GetProperty("task").GetProperty("identity").GetString()!;
        Assert.Equal(64, identity.Length);
        Assert.Equal("ada", json.GetProperty("params").GetProperty("node_args").GetProperty("who").GetString());
        Assert.Equal("alice", json.GetProperty("attributes").GetProperty("owner").GetString());
        Assert.Equal(["waiting", "ready", "submitted", "running", "done"], json.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("state").GetString()));
        var attempt = Assert.Single(json.GetProperty("attempts").EnumerateArray());
        Assert.Equal("succeeded", attempt.GetProperty("outcome").GetString());
        Assert.Equal(0, attempt.GetProperty("exit_code").GetInt32());
        Assert.True(attempt.GetProperty("pid").GetInt32() > 0);

        var byIdentity = await cli.RunAsync("show", identity[..10]);
        Assert.True(byIdentity.ExitCode == 0, byIdentity.ToString());
        Assert.Contains("greet-ada", byIdentity.Output, StringComparison.Ordinal);
        Assert.Contains("state history", byIdentity.Output, StringComparison.Ordinal);

        var missing = await cli.RunAsync("show", "nobody");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no task 'nobody'", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_prints_stdout_or_stderr_of_an_attempt()
    {
        using var cli = await RunWorkflowAsync();
        Assert.Equal("hello grace\n", (await cli.RunAsync("logs", "greet-grace")).Output);
        Assert.Equal("warning grace\n", (await cli.RunAsync("logs", "greet-grace", "--stderr")).Output);
        Assert.Equal("hello grace\n", (await cli.RunAsync("logs", "greet-grace", "--attempt", "1", "-f")).Output);
        Assert.Equal(2, (await cli.RunAsync("logs", "greet-grace", "--attempt", "7")).ExitCode);
    }

    [Fact]
    public async Task Runs_lists_each_run_with_its_status()
    {
        using var cli = await RunWorkflowAsync();
        var runs = JsonDocument.Parse((await cli.RunAsync("runs", "--json")).Output).RootElement;
        var run = Assert.Single(runs.EnumerateArray());
        Assert.Equal("inspect", run.GetProperty("workflow").GetString());
        Assert.Equal("failed", run.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Commands_on_a_missing_workspace_say_so()
    {
        using var cli = new CliRunner();
        var result = await cli.RunAsync("ls");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no Baton workspace at", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(cli.Workspace));
    }
}
