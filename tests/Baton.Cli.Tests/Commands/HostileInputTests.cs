using Spectre.Console;

namespace Baton.Cli.Tests.Commands;

/// <summary>
/// What Baton prints when input is hostile (issue 16): a task's terminal escapes never reach the terminal, option
/// values are refused in one line without .NET type names.
/// </summary>
public sealed class HostileInputTests
{
    [Fact]
    public async Task Errors_escapes_a_tasks_terminal_control_characters()
    {
        using var cli = new CliRunner();
        // Clear screen, bell, a carriage return that would overwrite the line, and a right-to-left override.
        var script = Path.Combine(cli.Root, "hostile.sh");
        await File.WriteAllTextAsync(script, "printf 'before\\033[2J\\007\\rfake \\342\\200\\256txt\\n' >&2\nexit 3\n", TestContext.Current.CancellationToken);
        var run = await cli.RunAsync("run", cli.WriteWorkflow($"name: hostile\ntasks:\n  - {{ name: noisy, command: sh {script}, max_attempts: 1 }}\n"));
        Assert.True(run.ExitCode == 1, run.ToString());

        var errors = await cli.RunAsync("errors");
        Assert.True(errors.ExitCode == 0, errors.ToString());
        Assert.DoesNotContain('\u001b', errors.Output);
        Assert.DoesNotContain('\u0007', errors.Output);
        Assert.DoesNotContain('\r', errors.Output);
        Assert.DoesNotContain('\u202e', errors.Output);
        Assert.Contains("before\\u001b[2J\\u0007\\rfake \\u202etxt", errors.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_escapes_control_characters_in_arguments_attributes_and_the_command()
    {
        using var cli = new CliRunner();
        // YAML's "\e" is ESC; "\u202E" a right-to-left override.
        var run = await cli.RunAsync("run", cli.WriteWorkflow("""
            name: hostile
            templates:
              echo:
                command: echo {x}
                node_args: [x]
            tasks:
              - { name: t, template: echo, args: { x: "a\e[2Jb\u202Ec" }, attributes: { note: "n\e]0;title\u0007" } }
            """));
        Assert.True(run.ExitCode == 0, run.ToString());

        var show = await cli.RunAsync("show", "t");

        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.DoesNotContain('\u001b', show.Output);
        Assert.DoesNotContain('\u0007', show.Output);
        Assert.DoesNotContain('\u202e', show.Output);
        Assert.Contains("a\\u001b[2Jb\\u202ec", show.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("? &a [*a]\n", "settings.yaml:1:3: anchors such as &a")]
    [InlineData("cpus: 2\ncpus: 3\n", "settings.yaml:2:1:")]
    [InlineData("...\n...\nx", "settings.yaml:")]
    public async Task A_hostile_settings_file_is_one_located_line_and_exit_2(string settings, string expected)
    {
        using var cli = new CliRunner();
        Directory.CreateDirectory(cli.Workspace);
        File.WriteAllText(Path.Combine(cli.Workspace, "settings.yaml"), settings);

        var result = await cli.RunAsync("resources");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Settings_nested_sixty_thousand_deep_are_refused_without_a_crash()
    {
        using var cli = new CliRunner();
        Directory.CreateDirectory(cli.Workspace);
        File.WriteAllText(Path.Combine(cli.Workspace, "settings.yaml"), new string('[', 60_000));

        var result = await cli.RunAsync("resources");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("settings.yaml:1:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_number_too_large_for_an_option_names_no_dotnet_type()
    {
        using var cli = new CliRunner();
        var result = await cli.RunAsync("run", cli.WriteWorkflow("name: w\ntasks: [{ name: a, command: echo a }]\n"), "--cpus", "99999999999");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("baton: error: --cpus '99999999999' is not a whole number up to 2147483647 (see 'baton --help')\n", result.Error);
        Assert.False(Directory.Exists(cli.Workspace));
    }

    [Fact]
    public async Task An_option_value_with_control_characters_is_shown_escaped_on_one_line()
    {
        using var cli = new CliRunner();
        var result = await cli.RunAsync("ls", "--limit", "1\n\u001b[2J");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("baton: error: --limit '1\\n\\u001b[2J' is not a whole number up to 2147483647 (see 'baton --help')\n", result.Error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task Ls_refuses_a_limit_below_one(string limit)
    {
        using var cli = new CliRunner();
        var result = await cli.RunAsync("ls", "--limit", limit);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"baton: error: --limit {limit} is not valid: list at least 1 task\n", result.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task An_empty_workspace_option_is_refused_not_taken_for_the_default(string workspace)
    {
        using var directory = new Baton.Testing.TempDirectory("baton-cli-");
        var workflow = Path.Combine(directory.Path, "w.yaml");
        await File.WriteAllTextAsync(workflow, "name: w\ntasks: [{ name: a, command: echo a }]\n", TestContext.Current.CancellationToken);
        var (output, error) = (new StringWriter(), new StringWriter());
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(output) });
        var code = await BatonApp.RunAsync(["run", workflow, "--workspace", workspace], output, error, console, TestContext.Current.CancellationToken);
        Assert.Equal(2, code);
        Assert.Equal("baton: error: --workspace is empty: give a directory\n", error.ToString());
    }
}
