using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary>A failure that no retry can mend (the program does not exist) fails the task at its first attempt.</summary>
public sealed class ProgramNotFoundTests
{
    [Theory]
    [InlineData("baton-no-such-program-x7 --flag", "program 'baton-no-such-program-x7' not found on PATH (searched ")]
    [InlineData("./missing.sh", "program './missing.sh' not found (no file ")]
    public async Task A_program_that_does_not_exist_fails_after_exactly_one_attempt(string command, string message)
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow($"""
            name: missing
            tasks:
              - name: ghost
                command: {command}
                max_attempts: 3
              - name: fine
                command: /bin/true
            """);

        var run = await cli.RunAsync("run", workflow, "--no-progress");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("failed ghost (executor error, 1 attempt): see baton show ghost", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("--stderr", run.Output, StringComparison.Ordinal);
        var show = JsonDocument.Parse((await cli.RunAsync("show", "ghost", "--json")).Output).RootElement;
        Assert.Equal("failed", show.GetProperty("task").GetProperty("state").GetString());
        var attempt = Assert.Single(show.GetProperty("attempts").EnumerateArray());
        Assert.StartsWith(message, attempt.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(command.Split(' '), attempt.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
    }
}
