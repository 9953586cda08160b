using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton errors</c>, <c>baton usage</c> and <c>baton limit</c>.</summary>
public sealed class StatusCommandsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fifty_identical_failures_show_as_one_cluster_of_fifty_and_another_cause_apart()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: broken
            templates:
              load:
                command: sh -c 'echo "reading shard $0"; echo "error, shard $0 is corrupt (code 0x1f$0)" >&2; exit 3' {i}
                node_args: [i]
                max_attempts: 1
            tasks:
              - template: load
                foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50] }
              - name: other
                command: sh -c 'echo "permission denied" >&2; exit 1'
                max_attempts: 1
            """);
        Assert.Equal(1, (await cli.RunAsync("run", workflow, "--no-progress", "--cpus", "2")).ExitCode);

        var json = await cli.RunAsync("errors", "1", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Output);
        var clusters = document.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, clusters.Length);
        Assert.Equal("load", clusters[0].GetProperty("template").GetString());
        Assert.Equal(50, clusters[0].GetProperty("count").GetInt32());
        Assert.Equal("exit code 3", clusters[0].GetProperty("outcome").GetString());
        Assert.Equal(1, clusters[1].GetProperty("count").GetInt32());

        var text = await cli.RunAsync("errors");
        Assert.Contains("50 × exit code 3", text.Output, StringComparison.Ordinal);
        Assert.Contains("error, shard 1 is corrupt", text.Output, StringComparison.Ordinal);
        Assert.Contains("permission denied", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_gives_min_mean_max_per_template_and_suggests_resources_with_headroom()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: measured
            templates:
              touch:
                command: dd if=/dev/zero of=/dev/null bs={mib}M count=1
                node_args: [mib]
            tasks:
              - template: touch
                foreach: { mib: [50, 100] }
            """);
        Assert.Equal(0, (await cli.RunAsync("run", workflow, "--no-progress")).ExitCode);

        var json = await cli.RunAsync("usage", "--template", "touch", "--json");
        using var document = JsonDocument.Parse(json.Output);
        var usage = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal(2, usage.GetProperty("attempts").GetInt32());
        var peak = usage.GetProperty("peak_rss_bytes");
        Assert.InRange(peak.GetProperty("max").GetDouble(), 100 * 1024 * 1024 * 0.9, 100 * 1024 * 1024 * 1.1);
        Assert.True(peak.GetProperty("min").GetDouble() < peak.GetProperty("max").GetDouble());

        var suggested = await cli.RunAsync("usage", "--suggest", "--headroom", "0.5");
        Assert.Contains("  touch:\n    resources: { cpus: 1, memory: 1", suggested.Output, StringComparison.Ordinal);
        Assert.Contains(", runtime: 1m }", suggested.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suggestions_for_one_off_tasks_paste_into_their_task_entries_and_keep_floors()
    {
        using var cli = new CliRunner();
        const string Head = "name: oneoff\ntasks:\n  - name: quick\n    command: /bin/true\n";
        Assert.Equal(0, (await cli.RunAsync("run", cli.WriteWorkflow(Head), "--no-progress")).ExitCode);

        var suggested = (await cli.RunAsync("usage", "--suggest")).Output;

        Assert.DoesNotContain("templates:", suggested, StringComparison.Ordinal);
        const string Line = "    resources: { cpus: 1, memory: 64M, runtime: 1m }\n";
        Assert.Contains("# in the task entry of 'quick':\n" + Line, suggested, StringComparison.Ordinal);
        var pasted = await cli.RunAsync("run", cli.WriteWorkflow(Head + Line, "pasted.yaml"), "--dry-run");
        Assert.True(pasted.ExitCode == 0, pasted.ToString());
    }

    [Theory]
    [InlineData(new[] { "limit", "0", "--workflow", "w" }, "limit 0 is not valid")]
    [InlineData(new[] { "limit", "2", "--workflow", "w" }, "workflow 'w' is not running")]
    [InlineData(new[] { "errors", "12" }, "no run 12 in this workspace")]
    [InlineData(new[] { "usage", "--headroom", "-1" }, "--headroom -1 is not valid")]
    public async Task Bad_input_gets_one_line_and_exit_2(string[] args, string expected)
    {
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("run", cli.WriteWorkflow("name: w\ntasks:\n  - name: a\n    command: /bin/true\n"), "--no-progress")).ExitCode);

        var result = await cli.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limit_reaches_the_running_workflow_and_names_an_unknown_template()
    {
        using var cli = new CliRunner();
        var started = Path.Combine(cli.Root, "started");
        var release = Path.Combine(cli.Root, "release");
        var workflow = cli.WriteWorkflow($$"""
            name: live
            templates:
              wait:
                command: sh -c 'echo $$ > "$1"; while [ ! -e "$2" ]; do sleep 0.05; done' sh {{started}}-{i} {{release}}
                node_args: [i]
                max_concurrent: 1
            tasks:
              - template: wait
                foreach: { i: [1, 2, 3] }
            """);
        var run = cli.RunAsync("run", workflow, "--no-progress", "--cpus", "4");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(started + "-1"))
        {
            Assert.False(run.IsCompleted, "the run ended before the first task started");
            Assert.True(DateTime.UtcNow < deadline, "the first task did not start");
            await Task.Delay(20, Ct);
        }

        var raised = await cli.RunAsync("limit", "3", "--workflow", "live", "--template", "wait");
        var unknown = await cli.RunAsync("limit", "3", "--workflow", "live", "--template", "nope");
        while (!(File.Exists(started + "-2") && File.Exists(started + "-3")))
        {
            Assert.True(DateTime.UtcNow < deadline, "raising the limit did not start the others");
            await Task.Delay(20, Ct);
        }
        await File.WriteAllTextAsync(release, "", Ct);

        Assert.True(raised.ExitCode == 0, raised.ToString());
        Assert.Contains("template 'wait': at most 3 at once", raised.Output, StringComparison.Ordinal);
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.Contains("has no template 'nope'", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await run).ExitCode);
    }
}
