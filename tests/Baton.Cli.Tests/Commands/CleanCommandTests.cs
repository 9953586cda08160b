using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton clean</c>: a dry run lists, <c>--yes</c> removes, current versions are untouched.</summary>
public sealed class CleanCommandTests
{
    private static string Sweep(params int[] values) => $$"""
        name: sweep
        templates:
          sim:
            command: sh -c 'echo "$1" > out.txt' sim {seed}
            node_args: [seed]
        tasks:
          - name: sim-{seed}
            template: sim
            foreach: { seed: [{{string.Join(", ", values)}}] }
          - name: broken
            command: sh -c 'exit 3'
            max_attempts: 1
        """;

    [Fact]
    public async Task A_dry_run_lists_yes_removes_and_the_current_file_then_runs_nothing_new()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Sweep(1, 2, 3));
        Assert.Equal(1, (await cli.RunAsync("run", file, "--no-progress")).ExitCode);
        var dropped = Directory(await cli.RunAsync("show", "sim-3", "--json"));
        cli.WriteWorkflow(Sweep(1, 2));
        Assert.Equal(1, (await cli.RunAsync("run", file, "--no-progress")).ExitCode);

        var dry = await cli.RunAsync("clean");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("sim-3", dry.Output, StringComparison.Ordinal);
        Assert.Contains(" B ", dry.Output, StringComparison.Ordinal);
        Assert.Contains("1 task(s), ", dry.Output, StringComparison.Ordinal);
        Assert.Contains("would be removed; run again with --yes", dry.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("sim-1", dry.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("broken", dry.Output, StringComparison.Ordinal);
        Assert.True(System.IO.Directory.Exists(dropped));
        Assert.Contains("sim-3", Names(await cli.RunAsync("ls", "--all", "--json")));

        var listed = JsonDocument.Parse((await cli.RunAsync("clean", "--json")).Output).RootElement.EnumerateArray().Single();
        Assert.Equal("sim-3", listed.GetProperty("name").GetString());
        Assert.True(listed.GetProperty("bytes").GetInt64() > 0);
        Assert.False(listed.GetProperty("removed").GetBoolean());

        var removed = await cli.RunAsync("clean", "--yes");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Contains("Removed 1 task(s)", removed.Output, StringComparison.Ordinal);
        Assert.False(System.IO.Directory.Exists(dropped));
        Assert.DoesNotContain("sim-3", Names(await cli.RunAsync("ls", "--all", "--json")));
        Assert.Contains("Nothing to clean.", (await cli.RunAsync("clean")).Output, StringComparison.Ordinal);

        // Failed tasks only with --failed; then the current file runs only what is not done.
        Assert.Contains("broken", (await cli.RunAsync("clean", "--failed")).Output, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("clean", "--failed", "--yes")).ExitCode);
        var again = await cli.RunAsync("run", file, "--no-progress");
        Assert.Contains("3 tasks: 0 ran and are done, 2 were already done, 1 failed (1 attempt ", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_is_removed_from_a_clean_workspace_and_a_bad_date_is_an_input_error()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Sweep(1));
        await cli.RunAsync("run", file, "--no-progress");
        var run = await cli.RunAsync("run", file, "--no-progress");
        Assert.Contains("Nothing to clean.", (await cli.RunAsync("clean", "--yes")).Output, StringComparison.Ordinal);
        var bad = await cli.RunAsync("clean", "--before", "yesterday");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--before 'yesterday' is not a date", bad.Error, StringComparison.Ordinal);
        Assert.Contains("sim-1", (await cli.RunAsync("clean", "--before", "2999-01-01")).Output, StringComparison.Ordinal);
        Assert.Equal(2, Names(await cli.RunAsync("ls", "--json")).Length);
        Assert.Equal(1, run.ExitCode);
    }

    private static string Directory(CliResult show) =>
        JsonDocument.Parse(show.Output).RootElement.GetProperty("task").GetProperty("directory").GetString()!;

    private static string[] Names(CliResult result) =>
        JsonDocument.Parse(result.Output).RootElement.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
}
