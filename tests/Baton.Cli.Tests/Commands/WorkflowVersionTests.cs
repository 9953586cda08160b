using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary>
/// A workflow is its name and workflow_args; its DAG may change between runs. Each DAG is a version; tasks keep
/// their state by identity, and listings show the current version.
/// </summary>
public sealed class WorkflowVersionTests
{
    private static string Sweep(params int[] values) => $$"""
        name: sweep
        templates:
          sim:
            command: sh -c 'echo "$1" >> "$2"' sim {seed} {workspace}/ran
            node_args: [seed]
        tasks:
          - name: sim-{seed}
            template: sim
            foreach: { seed: [{{string.Join(", ", values)}}] }
        """;

    [Fact]
    public async Task A_sweep_extended_by_one_value_runs_only_the_new_task_and_lists_each_task_once()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Sweep(1, 2, 3));
        var first = await cli.RunAsync("run", file, "--no-progress");
        Assert.True(first.ExitCode == 0, first.ToString());

        cli.WriteWorkflow(Sweep(1, 2, 3, 4));
        var second = await cli.RunAsync("run", file, "--no-progress");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("workflow 'sweep' changed: version 2 (was 1): +1 task, -0 tasks, 3 done tasks reused", second.Output, StringComparison.Ordinal);
        Assert.Contains("4 tasks: 1 ran and are done, 3 were already done (1 attempt ", second.Output, StringComparison.Ordinal);
        Assert.Equal(["1", "2", "3", "4"], Ran(cli));
        Assert.Equal(["sim-1", "sim-2", "sim-3", "sim-4"], Names(await cli.RunAsync("ls", "--json")));
    }

    [Fact]
    public async Task A_task_dropped_from_the_file_leaves_the_current_version_but_stays_in_the_store()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Sweep(1, 2, 3));
        Assert.Equal(0, (await cli.RunAsync("run", file, "--no-progress")).ExitCode);
        cli.WriteWorkflow(Sweep(1, 2));

        var second = await cli.RunAsync("run", file, "--no-progress");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("version 2 (was 1): +0 tasks, -1 task, 2 done tasks reused", second.Output, StringComparison.Ordinal);
        Assert.Contains("Nothing to run", second.Output, StringComparison.Ordinal);
        Assert.Equal(["sim-1", "sim-2"], Names(await cli.RunAsync("ls", "--json")));
        Assert.Contains("sim-3", Names(await cli.RunAsync("ls", "--all", "--json")));
        Assert.Single(JsonDocument.Parse((await cli.RunAsync("runs", "--json")).Output).RootElement.EnumerateArray());
        Assert.Equal(2, JsonDocument.Parse((await cli.RunAsync("runs", "--all", "--json")).Output).RootElement.GetArrayLength());

        // Back to the first file: its version is current again and nothing runs.
        cli.WriteWorkflow(Sweep(1, 2, 3));
        var third = await cli.RunAsync("run", file, "--no-progress");
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains("version 1 (was 2): +1 task, -0 tasks, 2 done tasks reused", third.Output, StringComparison.Ordinal);
        Assert.Contains("Nothing to run", third.Output, StringComparison.Ordinal);
        Assert.Equal(["sim-1", "sim-2", "sim-3"], Names(await cli.RunAsync("ls", "--json")));
        Assert.Equal(["1", "2", "3"], Ran(cli));
    }

    private static string[] Ran(CliRunner cli) =>
        File.ReadAllLines(Path.Combine(cli.Workspace, "ran")).Order(StringComparer.Ordinal).ToArray();

    private static string[] Names(CliResult result) =>
        JsonDocument.Parse(result.Output).RootElement.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
}
