using System.Diagnostics;

namespace Baton.Packaging.Tests;

internal static class Processes
{
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>The repository root, to reach scripts/ and examples/.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Join(directory.FullName, "Baton.slnx")))
            {
                directory = directory.Parent;
            }
            return directory?.FullName ?? throw new InvalidOperationException("cannot find the repository root");
        }
    }

    /// <summary>
    /// Runs a program to its end, its output (stdout and stderr together) in a file under <paramref name="scratch"/>:
    /// a background process it leaves (a node) cannot hold a pipe open. Killed, with what it printed, past the timeout.
    /// </summary>
    public static async Task<(int Code, string Output)> RunAsync(string scratch, TimeSpan timeout, string directory, string program, params string[] args)
    {
        var log = Path.Join(scratch, $"output-{Guid.NewGuid():N}.txt");
        var info = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec \"$0\" \"$@\" >\"$BATON_TEST_OUTPUT\" 2>&1 </dev/null", program },
            WorkingDirectory = directory,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // What 'dotnet test' sets for its own MSBuild must not steer the builds started here.
        foreach (var name in info.Environment.Keys.Where(name => name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }
        info.Environment["BATON_TEST_OUTPUT"] = log;
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // A node left behind by a failed test goes away on its own soon.
        info.Environment["BATON_NODE_IDLE_TIMEOUT"] = "1m";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return (-1, $"{program} {string.Join(' ', args)}: no end within {timeout}\n{await File.ReadAllTextAsync(log, CancellationToken.None)}");
        }
        return (process.ExitCode, await File.ReadAllTextAsync(log, CancellationToken.None));
    }
}
