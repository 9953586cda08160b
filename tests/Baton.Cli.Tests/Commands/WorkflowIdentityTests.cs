using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary>A workflow is its name, workflow args and DAG; attributes are queryable; runs show counts.</summary>
public sealed class WorkflowIdentityTests
{
    private const string Original = """
        name: study
        workflow_args: { release: r1 }
        attributes: { owner: alice }
        tasks:
          - name: a
            command: /bin/true a
            attributes: { site: paris }
          - name: b
            command: /bin/true b
        """;

    [Fact]
    public async Task A_changed_dag_under_the_same_name_and_args_is_refused_only_with_no_new_version()
    {
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("run", cli.WriteWorkflow(Original), "--no-progress")).ExitCode);
        var changed = cli.WriteWorkflow(Original + "\n  - name: c\n    command: /bin/true c\n");

        var refused = await cli.RunAsync("run", changed, "--no-progress", "--no-new-version");
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("workflow 'study' already exists with these workflow_args but other tasks", refused.Error, StringComparison.Ordinal);
        Assert.Single(JsonDocument.Parse((await cli.RunAsync("runs", "--json")).Output).RootElement.EnumerateArray());

        var accepted = await cli.RunAsync("run", changed, "--no-progress");
        Assert.True(accepted.ExitCode == 0, accepted.ToString());
        Assert.Contains("3 tasks: 1 ran and are done, 2 were already done", accepted.Output, StringComparison.Ordinal);

        var otherArgs = cli.WriteWorkflow(Original.Replace("release: r1", "release: r2", StringComparison.Ordinal) + "\n  - name: d\n    command: /bin/true d\n", "other.yaml");
        Assert.Equal(0, (await cli.RunAsync("run", otherArgs, "--no-progress")).ExitCode);
    }

    [Fact]
    public async Task Ls_filters_by_a_task_attribute_or_a_workflow_attribute_and_runs_show_counts_per_state()
    {
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("run", cli.WriteWorkflow(Original), "--no-progress")).ExitCode);

        Assert.Equal(["a"], Names(await cli.RunAsync("ls", "--attr", "site=paris", "--json")));
        Assert.Equal(["a", "b"], Names(await cli.RunAsync("ls", "--attr", "owner=alice", "--json")));
        Assert.Empty(Names(await cli.RunAsync("ls", "--attr", "owner=bob", "--json")));
        var bad = await cli.RunAsync("ls", "--attr", "owner");
        Assert.True(bad.ExitCode == 2, bad.ToString());

        var runs = JsonDocument.Parse((await cli.RunAsync("runs", "--json")).Output).RootElement.EnumerateArray().Single();
        Assert.Equal(2, runs.GetProperty("tasks").GetProperty("done").GetInt32());
        Assert.Contains("2 done", (await cli.RunAsync("runs")).Output, StringComparison.Ordinal);
    }

    private static string[] Names(CliResult result) =>
        JsonDocument.Parse(result.Output).RootElement.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
}
