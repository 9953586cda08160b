using System.Diagnostics;

namespace Baton.Cli.Tests.Commands;

/// <summary>Output for pipes and files: the real <c>baton</c> process, its stdout a pipe, writes no escape code.</summary>
public sealed class PlainOutputTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ls_run_and_show_into_a_pipe_contain_no_escape_byte_even_with_a_colour_terminal_type(bool noColor)
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: plain
            tasks:
              - name: good
                command: /bin/true
              - name: bad
                command: sh -c 'exit 3'
                max_attempts: 1
            """);

        var run = await BatonAsync(cli, noColor, "run", workflow);
        var ls = await BatonAsync(cli, noColor, "ls");
        var show = await BatonAsync(cli, noColor, "show", "bad");

        Assert.Contains("failed bad (exit code 3, 1 attempt)", run, StringComparison.Ordinal);
        Assert.Contains("failed (exit code)", ls, StringComparison.Ordinal);
        Assert.Contains("bad", show, StringComparison.Ordinal);
        foreach (var output in new[] { run, ls, show })
        {
            Assert.DoesNotContain('\x1b', output);
        }
    }

    private static async Task<string> BatonAsync(CliRunner cli, bool noColor, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Join(AppContext.BaseDirectory, "baton"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.ArgumentList.Add("--workspace");
        info.ArgumentList.Add(cli.Workspace);
        info.Environment["TERM"] = "xterm-256color";
        info.Environment["COLORTERM"] = "truecolor";
        info.Environment.Remove("NO_COLOR");
        if (noColor)
        {
            info.Environment["NO_COLOR"] = "1";
        }
        using var process = Process.Start(info)!;
        var cancellationToken = TestContext.Current.CancellationToken;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.DoesNotContain('\x1b', await error);
        return await output;
    }
}
