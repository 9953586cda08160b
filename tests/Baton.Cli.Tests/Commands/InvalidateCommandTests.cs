using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary>Running again what the user chooses: baton invalidate, run --force, and Done tasks whose directory went away.</summary>
public sealed class InvalidateCommandTests
{
    // a -> b -> c, and d on its own. Each task appends its name to {workspace}/ran and prints a line.
    private const string Chain = """
        name: chain
        templates:
          step:
            command: sh -c 'echo "$1" >> "$2"; echo "output of $1"' step {n} {workspace}/ran
            node_args: [n]
        tasks:
          - { name: a, template: step, args: { n: a } }
          - { name: b, template: step, args: { n: b }, after: [a] }
          - { name: c, template: step, args: { n: c }, after: [b] }
          - { name: d, template: step, args: { n: d } }
        """;

    [Fact]
    public async Task Invalidating_a_done_task_with_its_downstream_runs_exactly_those_again_and_keeps_earlier_logs()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Chain);
        Assert.Equal(0, (await cli.RunAsync("run", file, "--no-progress")).ExitCode);
        File.Delete(Ran(cli));

        var invalidate = await cli.RunAsync("invalidate", "b", "--downstream");
        Assert.True(invalidate.ExitCode == 0, invalidate.ToString());
        Assert.Contains("2 task(s) will run again at the next run: b, c", invalidate.Output, StringComparison.Ordinal);
        Assert.Equal(["a", "d"], await NamesInStateAsync(cli, "done"));

        var again = await cli.RunAsync("run", file, "--no-progress");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(["b", "c"], File.ReadAllLines(Ran(cli)));
        Assert.Equal("output of b\n", (await cli.RunAsync("logs", "b", "--attempt", "1")).Output);
        Assert.Equal("output of b\n", (await cli.RunAsync("logs", "b", "--attempt", "2")).Output);
        Assert.Equal(2, JsonDocument.Parse((await cli.RunAsync("show", "b", "--json")).Output).RootElement.GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task Invalidate_without_downstream_and_by_template_or_workflow()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Chain);
        Assert.Equal(0, (await cli.RunAsync("run", file, "--no-progress")).ExitCode);

        Assert.Equal(0, (await cli.RunAsync("invalidate", "a")).ExitCode);
        Assert.Equal(["b", "c", "d"], await NamesInStateAsync(cli, "done"));
        Assert.Equal(0, (await cli.RunAsync("invalidate", "--workflow", "chain")).ExitCode);
        Assert.Empty(await NamesInStateAsync(cli, "done"));

        var none = await cli.RunAsync("invalidate");
        Assert.True(none.ExitCode == 2, none.ToString());
        var unknown = await cli.RunAsync("invalidate", "zzz");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        var noTemplate = await cli.RunAsync("invalidate", "--template", "nope");
        Assert.True(noTemplate.ExitCode == 2, noTemplate.ToString());
    }

    [Fact]
    public async Task Run_force_runs_a_done_task_again_in_that_run_only()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Chain);
        Assert.Equal(0, (await cli.RunAsync("run", file, "--no-progress")).ExitCode);
        File.Delete(Ran(cli));

        var forced = await cli.RunAsync("run", file, "--no-progress", "--force", "d");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("1 done task(s) forced to run again: d", forced.Output, StringComparison.Ordinal);
        Assert.Equal(["d"], File.ReadAllLines(Ran(cli)));

        var next = await cli.RunAsync("run", file, "--no-progress");
        Assert.Contains("Nothing to run", next.Output, StringComparison.Ordinal);

        var unknown = await cli.RunAsync("run", file, "--no-progress", "--force", "zzz");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.Contains("--force 'zzz'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_done_task_whose_directory_disappeared_is_reported_and_runs_again()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Chain);
        Assert.Equal(0, (await cli.RunAsync("run", file, "--no-progress")).ExitCode);
        File.Delete(Ran(cli));
        var show = JsonDocument.Parse((await cli.RunAsync("show", "d", "--json")).Output).RootElement;
        Directory.Delete(show.GetProperty("task").GetProperty("directory").GetString()!, recursive: true);

        var again = await cli.RunAsync("run", file, "--no-progress");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("1 done task(s) whose directory disappeared run again: d", again.Output, StringComparison.Ordinal);
        Assert.Equal(["d"], File.ReadAllLines(Ran(cli)));
        Assert.Equal("output of d\n", (await cli.RunAsync("logs", "d")).Output);
    }

    private static string Ran(CliRunner cli) => Path.Combine(cli.Workspace, "ran");

    private static async Task<string[]> NamesInStateAsync(CliRunner cli, string state) =>
        JsonDocument.Parse((await cli.RunAsync("ls", "--state", state, "--json")).Output).RootElement.EnumerateArray()
            .Select(t => t.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray();
}
