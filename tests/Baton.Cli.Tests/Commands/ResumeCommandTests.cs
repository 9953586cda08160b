using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

public sealed class ResumeCommandTests
{
    [Fact]
    public async Task After_the_input_is_made_good_resume_runs_only_the_failed_task_and_its_downstream_and_ends_all_done()
    {
        using var cli = new CliRunner();
        var input = Path.Combine(cli.Root, "input.txt");
        var workflow = cli.WriteWorkflow($"""
            name: fixable
            tasks:
              - name: prepare
                command: /bin/true prepare
              - name: needs-input
                command: sh -c 'cat "$0"' {input}
                max_attempts: 1
                after: [prepare]
              - name: downstream
                command: /bin/true downstream
                after: [needs-input]
              - name: independent
                command: /bin/true independent
            """);
        var first = await cli.RunAsync("run", workflow, "--no-progress");
        Assert.True(first.ExitCode == 1, first.ToString());

        await File.WriteAllTextAsync(input, "good\n", TestContext.Current.CancellationToken);
        var resumed = await cli.RunAsync("resume", "1", "--no-progress");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(new long[] { 1 }, await RunsOfAttemptsAsync(cli, "prepare"));
        Assert.Equal(new long[] { 1 }, await RunsOfAttemptsAsync(cli, "independent"));
        Assert.Equal(new long[] { 1, 2 }, await RunsOfAttemptsAsync(cli, "needs-input"));
        Assert.Equal(new long[] { 2 }, await RunsOfAttemptsAsync(cli, "downstream"));
        var list = await cli.RunAsync("ls", "--json");
        using var tasks = JsonDocument.Parse(list.Output);
        Assert.All(tasks.RootElement.EnumerateArray(), t => Assert.Equal("done", t.GetProperty("state").GetString()));
    }

    [Theory]
    [InlineData("7", "no run 7 in this workspace")]
    [InlineData("x1", "run 'x1' is not a run number")]
    public async Task An_unknown_run_is_refused_with_exit_2(string run, string expected)
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("name: one\ntasks:\n  - name: a\n    command: /bin/true\n");
        Assert.Equal(0, (await cli.RunAsync("run", workflow, "--no-progress")).ExitCode);

        var result = await cli.RunAsync("resume", run);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workflow_whose_tasks_changed_is_resumed_as_its_next_version()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("name: one\ntasks:\n  - name: a\n    command: sh -c 'exit 1'\n    max_attempts: 1\n");
        Assert.Equal(1, (await cli.RunAsync("run", workflow, "--no-progress")).ExitCode);
        cli.WriteWorkflow("name: one\ntasks:\n  - name: a\n    command: /bin/true\n");

        var result = await cli.RunAsync("resume", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("workflow 'one' changed: version 2 (was 1): +1 task, -1 task, 0 done tasks reused", result.Output, StringComparison.Ordinal);
        var tasks = JsonDocument.Parse((await cli.RunAsync("ls", "--json")).Output).RootElement.EnumerateArray().ToList();
        Assert.Equal("done", Assert.Single(tasks).GetProperty("state").GetString());
        Assert.Equal(2, (await cli.RunAsync("ls", "--all", "--json")).Output.Split("\"name\":", StringSplitOptions.None).Length - 1);
    }

    private static async Task<long[]> RunsOfAttemptsAsync(CliRunner cli, string task)
    {
        var show = await cli.RunAsync("show", task, "--json");
        using var json = JsonDocument.Parse(show.Output);
        return json.RootElement.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("run").GetInt64()).ToArray();
    }
}
