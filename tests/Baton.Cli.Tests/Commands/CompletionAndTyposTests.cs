using System.Diagnostics;

namespace Baton.Cli.Tests.Commands;

/// <summary>Shell completion scripts, and what an unknown command says.</summary>
public sealed class CompletionAndTyposTests
{
    [Theory]
    [InlineData("lss", "baton: error: unknown command 'lss' (did you mean 'ls'?) (see 'baton --help')")]
    [InlineData("invalidat", "baton: error: unknown command 'invalidat' (did you mean 'invalidate'?) (see 'baton --help')")]
    [InlineData("frobnicate", "baton: error: unknown command 'frobnicate' (see 'baton --help')")]
    public async Task An_unknown_command_is_named_with_a_close_match(string word, string expected)
    {
        using var cli = new CliRunner();
        var result = await cli.RunAsync(word);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected + "\n", result.Error);
    }

    [Fact]
    public async Task The_bash_completion_is_valid_bash_and_completes_commands_and_their_options()
    {
        using var cli = new CliRunner();
        var result = await cli.RunAsync("completion", "bash");
        Assert.True(result.ExitCode == 0, result.ToString());
        var script = Path.Join(cli.Root, "baton.bash");
        await File.WriteAllTextAsync(script, result.Output, TestContext.Current.CancellationToken);

        // Source it in a real bash and ask it to complete "baton inv" and "baton clean --y".
        var commands = await BashAsync($"source '{script}'; COMP_WORDS=(baton inv); COMP_CWORD=1; _baton; echo \"${{COMPREPLY[@]}}\"; " +
            "COMP_WORDS=(baton clean --y); COMP_CWORD=2; _baton; echo \"${COMPREPLY[@]}\"");
        Assert.Equal("invalidate\n--yes\n", commands);
    }

    [Fact]
    public async Task Zsh_and_fish_scripts_name_every_command()
    {
        using var cli = new CliRunner();
        var zsh = await cli.RunAsync("completion", "zsh");
        var fish = await cli.RunAsync("completion", "fish");
        Assert.Contains("bashcompinit", zsh.Output, StringComparison.Ordinal);
        foreach (var command in new[] { "run", "ls", "dag", "clean", "invalidate", "completion" })
        {
            Assert.Contains($"__fish_use_subcommand -a {command} ", fish.Output, StringComparison.Ordinal);
        }
        Assert.Contains("complete -c baton -n '__fish_seen_subcommand_from run' -l force", fish.Output, StringComparison.Ordinal);
        var bad = await cli.RunAsync("completion", "tcsh");
        Assert.Equal(2, bad.ExitCode);
    }

    private static async Task<string> BashAsync(string commands)
    {
        var info = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(commands);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, await error);
        return await output;
    }
}
