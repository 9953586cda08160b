using Baton.Testing;
using Spectre.Console;

namespace Baton.Cli.Tests;

/// <summary>Runs the baton command line in-process against a temporary workspace and captures what it prints.</summary>
internal sealed class CliRunner : IDisposable
{
    private readonly TempDirectory _directory = new("baton-cli-");

    static CliRunner()
    {
        // The nodes that 'baton run' starts for the tests' workspaces go away soon after, should a test not stop its own.
        Environment.SetEnvironmentVariable("BATON_NODE_IDLE_TIMEOUT", "1m");
    }

    public string Workspace => Path.Combine(_directory.Path, "ws");

    public string Root => _directory.Path;

    /// <summary>The repository root, to reach examples/.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Baton.slnx")))
            {
                directory = directory.Parent;
            }
            return directory?.FullName ?? throw new InvalidOperationException("cannot find the repository root");
        }
    }

    /// <summary>Writes a workflow file into the temporary directory and returns its path.</summary>
    public string WriteWorkflow(string yaml, string name = "workflow.yaml")
    {
        var path = Path.Combine(_directory.Path, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Runs <c>baton ARGS --workspace WS</c>.</summary>
    public async Task<CliResult> RunAsync(params string[] args)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 250;
        var code = await BatonApp.RunAsync([.. args, "--workspace", Workspace], output, error, console, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        // The workspace's node, if a run started one: stopped (its runs interrupted) before its directory goes.
        var output = new StringWriter();
        BatonApp.RunAsync(["node", "stop", "--force", "--workspace", Workspace], output, output, AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            Out = new AnsiConsoleOutput(output),
        })).GetAwaiter().GetResult();
        _directory.Dispose();
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
