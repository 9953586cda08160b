namespace Baton.Cli.Tests.Commands;

public sealed class RunCommandTests
{
    [Fact]
    public async Task The_quickstart_runs_every_task_and_a_second_run_runs_nothing()
    {
        using var cli = new CliRunner();
        var workflow = Path.Combine(CliRunner.RepositoryRoot, "examples", "quickstart", "workflow.yaml");

        var first = await cli.RunAsync("run", workflow);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("13 tasks: 13 ran and are done", first.Output, StringComparison.Ordinal);

        var second = await cli.RunAsync("run", workflow);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Nothing to run: all 13 tasks of quickstart are already done.", second.Output, StringComparison.Ordinal);

        var report = await cli.RunAsync("logs", "report");
        Assert.Equal(6, report.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("analyze-3.9-1 mean=", report.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_task_makes_the_run_exit_1_and_the_summary_names_it()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: failing
            tasks:
              - name: broken
                command: sh -c 'echo oops >&2; exit 3'
                max_attempts: 2
              - name: downstream
                command: /bin/true downstream
                after: [broken]
              - name: fine
                command: /bin/true fine
            """);
        var result = await cli.RunAsync("run", workflow);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("failed broken (exit code 3, 2 attempts)", result.Output, StringComparison.Ordinal);
        Assert.Contains("1 task did not run because an upstream task failed", result.Output, StringComparison.Ordinal);

        var stderr = await cli.RunAsync("logs", "broken", "--stderr");
        Assert.Equal("oops\n", stderr.Output);
    }

    [Theory]
    [InlineData("name: bad\ntasks:\n  - name: a\n    command: [unclosed\n", "workflow.yaml:5:1: not valid YAML")]
    [InlineData("name: bad\ntasks:\n  - name: a\n    template: nope\n", "workflow.yaml:4:15: ")]
    [InlineData("name: bad\ntasks:\n  - name: a\n    command: /bin/true\n    resources: { memory: lots }\n", "memory 'lots'")]
    [InlineData("name: bad\ntasks:\n  - name: a\n    command: /bin/true\n    after: [b]\n  - name: b\n    command: /bin/true\n    after: [a]\n", "cycle")]
    public async Task Bad_workflow_files_give_one_line_naming_the_place_exit_2_and_write_nothing(string yaml, string expected)
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow(yaml);

        var result = await cli.RunAsync("run", workflow);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.StartsWith("baton: error: ", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(cli.Workspace), "nothing may be written for a bad workflow file");
    }

    [Fact]
    public async Task A_workspace_that_cannot_be_created_is_an_input_error()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("name: ok\ntasks:\n  - name: a\n    command: /bin/true\n");
        var file = Path.Combine(cli.Root, "a-file");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);

        var output = new StringWriter();
        var error = new StringWriter();
        var code = await BatonApp.RunAsync(["run", workflow, "--workspace", Path.Combine(file, "ws")], output, error, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains("cannot create the workspace", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workflow_already_running_in_the_workspace_is_refused()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("name: ok\ntasks:\n  - name: a\n    command: /bin/true\n");
        Directory.CreateDirectory(cli.Workspace);
        using (Baton.Hosting.Workspaces.WorkspaceLock.TryAcquire(Baton.Hosting.Workspaces.WorkspaceLock.ForWorkflow(cli.Workspace, "ok")))
        {
            var busy = await cli.RunAsync("run", workflow);
            Assert.True(busy.ExitCode == 2, busy.ToString());
            Assert.Contains("workflow 'ok' is already running in the workspace", busy.Error, StringComparison.Ordinal);
        }
        var free = await cli.RunAsync("run", workflow);
        Assert.True(free.ExitCode == 0, free.ToString());
    }

    [Fact]
    public async Task A_task_that_needs_more_than_the_machine_offers_is_refused_before_anything_runs()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("name: big\ntasks:\n  - name: huge\n    command: /bin/true\n    resources: { cpus: 64 }\n");
        var result = await cli.RunAsync("run", workflow, "--cpus", "2");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("task 'huge' needs 64 cpus but Baton may use 2", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workspace_settings_set_the_capacity_and_options_override_them()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("name: two\ntasks:\n  - name: pair\n    command: /bin/true\n    resources: { cpus: 2, memory: 1G }\n");
        Directory.CreateDirectory(cli.Workspace);
        await File.WriteAllTextAsync(Path.Combine(cli.Workspace, "settings.yaml"), "cpus: 1\nmemory: 4G\n", TestContext.Current.CancellationToken);

        var refused = await cli.RunAsync("run", workflow);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("needs 2 cpus but Baton may use 1", refused.Error, StringComparison.Ordinal);

        var allowed = await cli.RunAsync("run", workflow, "--cpus", "2");
        Assert.True(allowed.ExitCode == 0, allowed.ToString());

        await File.WriteAllTextAsync(Path.Combine(cli.Workspace, "settings.yaml"), "cpus: lots\n", TestContext.Current.CancellationToken);
        var bad = await cli.RunAsync("run", workflow);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("settings.yaml:1:7: cpus 'lots' must be a positive whole number", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_options_are_input_errors()
    {
        using var cli = new CliRunner();
        var result = await cli.RunAsync("run", "x.yaml", "--no-such-option");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("baton: error: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_records_the_workflow_and_runs_nothing()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("name: plan\ntasks:\n  - name: a\n    command: /bin/true a\n  - name: b\n    command: /bin/true b\n    after: [a]\n");
        var result = await cli.RunAsync("run", workflow, "--dry-run");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("2 tasks, 1 dependencies; 0 already done, 2 would run", result.Output, StringComparison.Ordinal);
        var list = await cli.RunAsync("ls", "--json");
        Assert.Contains("\"state\": \"waiting\"", list.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"done\"", list.Output, StringComparison.Ordinal);
    }
}
