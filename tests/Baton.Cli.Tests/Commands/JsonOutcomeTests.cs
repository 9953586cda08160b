using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>run --json</c> and <c>wait --json</c>: stdout holds one JSON object that a script can read, nothing else.</summary>
public sealed class JsonOutcomeTests
{
    private const string Workflow = """
        name: outcome
        defaults:
          max_attempts: 1
        templates:
          step:
            command: sh -c '[ "$0" != 3 ]' {i}
            node_args: [i]
        tasks:
          - name: step-{i}
            template: step
            foreach: { i: [1, 2, 3] }
        """;

    [Fact]
    public async Task Run_json_prints_the_outcome_with_its_failed_tasks_and_nothing_else_on_stdout()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow(Workflow);

        var result = await cli.RunAsync("run", workflow, "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        using var outcome = JsonDocument.Parse(result.Output);
        var root = outcome.RootElement;
        Assert.Equal("outcome", root.GetProperty("workflow").GetString());
        Assert.Equal("failed", root.GetProperty("status").GetString());
        Assert.Equal(3, root.GetProperty("tasks").GetInt32());
        Assert.Equal(2, root.GetProperty("done").GetInt32());
        Assert.Equal(1, root.GetProperty("failed").GetInt32());
        Assert.Equal(3, root.GetProperty("attempts").GetInt32());
        var failure = Assert.Single(root.GetProperty("failures").EnumerateArray());
        Assert.Equal("step-3", failure.GetProperty("name").GetString());
        Assert.Equal("exit code", failure.GetProperty("reason").GetString());

        var again = await cli.RunAsync("run", workflow, "--json");
        using var second = JsonDocument.Parse(again.Output);
        Assert.Equal(2, second.RootElement.GetProperty("already_done").GetInt32());
    }

    [Fact]
    public async Task Wait_json_prints_how_a_detached_run_ended_and_how_a_task_ended()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow(Workflow.Replace("[1, 2, 3]", "[1, 2]", StringComparison.Ordinal));
        var detached = await cli.RunAsync("run", workflow, "--detach");
        Assert.True(detached.ExitCode == 0, detached.ToString());
        var runId = detached.Output.Trim();

        var waited = await cli.RunAsync("wait", runId, "--json");

        Assert.True(waited.ExitCode == 0, waited.ToString());
        using var outcome = JsonDocument.Parse(waited.Output);
        Assert.Equal("done", outcome.RootElement.GetProperty("status").GetString());
        Assert.Equal(long.Parse(runId, System.Globalization.CultureInfo.InvariantCulture), outcome.RootElement.GetProperty("run").GetInt64());
        Assert.Equal(2, outcome.RootElement.GetProperty("done").GetInt32());

        var task = await cli.RunAsync("wait", "--task", "step-2", "--json");
        Assert.True(task.ExitCode == 0, task.ToString());
        using var taskJson = JsonDocument.Parse(task.Output);
        Assert.Equal("done", taskJson.RootElement.GetProperty("state").GetString());
    }
}
