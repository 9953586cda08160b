using System.Diagnostics;
using System.Text.Json;

namespace Baton.Packaging.Tests;

/// <summary>
/// Baton installed as a user installs it without a clone: the packages that <c>scripts/pack</c> writes, the tool
/// installed from them with <c>dotnet tool install</c>, and the quickstart run from a folder outside the clone.
/// Set <c>BATON_TEST_PACKAGES</c> to a folder that <c>scripts/pack</c> wrote (e.g. artifacts/packages) to test those
/// packages instead of packing anew.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    // Generous: a Release build of every project on a loaded two-core machine takes minutes.
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    private readonly string _root = Directory.CreateTempSubdirectory("baton-packaging-").FullName;

    [Fact]
    public async Task The_tool_installed_from_the_packages_runs_the_quickstart_to_every_task_done()
    {
        var (packages, version) = await PackagesAsync();
        var tools = Path.Join(_root, "tools");
        // Only the packages under test: no other feed is asked, nothing from an earlier install is reused.
        var config = Path.Join(_root, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="baton" value="{packages}" />
              </packageSources>
            </configuration>
            """, TestContext.Current.CancellationToken);
        var install = await RunAsync(CommandTimeout, _root, Dotnet, "tool", "install", "Baton.Cli", "--tool-path", tools, "--version", version, "--configfile", config);
        Assert.True(install.Code == 0, install.Output);

        var baton = Path.Join(tools, "baton");
        var printed = await RunAsync(CommandTimeout, _root, baton, "--version");
        Assert.True(printed.Code == 0, printed.Output);
        Assert.StartsWith(version, printed.Output.Trim(), StringComparison.Ordinal);

        // The quickstart as a user has it: a copy outside the clone, the workspace beside it.
        var quickstart = Path.Join(_root, "quickstart");
        CopyDirectory(Path.Join(RepositoryRoot, "examples", "quickstart"), quickstart);
        var workspace = Path.Join(_root, "ws");
        try
        {
            // baton run starts the workspace's node from the installed tool: the node and its supervisor must work there.
            var run = await RunAsync(CommandTimeout, _root, baton, "run", Path.Join(quickstart, "workflow.yaml"), "--workspace", workspace, "--no-progress");
            Assert.True(run.Code == 0, run.Output + NodeLog(workspace));

            var listed = await RunAsync(CommandTimeout, _root, baton, "ls", "--json", "--workspace", workspace);
            Assert.True(listed.Code == 0, listed.Output);
            using var tasks = JsonDocument.Parse(listed.Output);
            var states = tasks.RootElement.EnumerateArray()
                .Select(task => (Name: task.GetProperty("name").GetString(), State: task.GetProperty("state").GetString()))
                .ToList();
            Assert.Equal(13, states.Count);
            Assert.All(states, task => Assert.True(task.State == "done", $"{task.Name} is {task.State}"));
        }
        finally
        {
            var stop = await RunAsync(CommandTimeout, _root, baton, "node", "stop", "--force", "--workspace", workspace);
            Assert.True(stop.Code == 0, stop.Output);
        }
    }

    /// <summary>The packages to test and the version to install: BATON_TEST_PACKAGES's, or packed now.</summary>
    private async Task<(string Packages, string Version)> PackagesAsync()
    {
        if (Environment.GetEnvironmentVariable("BATON_TEST_PACKAGES") is { Length: > 0 } given)
        {
            var packages = Path.GetFullPath(given, RepositoryRoot);
            // The newest Baton.Cli package there (scripts/pack may have written several versions).
            var tool = new DirectoryInfo(packages).GetFiles("Baton.Cli.*.nupkg").MaxBy(file => file.LastWriteTimeUtc)
                ?? throw new InvalidOperationException($"no Baton.Cli package in '{packages}' (BATON_TEST_PACKAGES)");
            return (packages, Path.GetFileNameWithoutExtension(tool.Name)["Baton.Cli.".Length..]);
        }
        // A version no earlier run used, so that no cache can hand back an older package; built under the temporary
        // folder (--artifacts-path), so that the clone's own bin/ and obj/ keep their build.
        var version = $"0.0.1-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var output = Path.Join(_root, "packages");
        var pack = await RunAsync(PackTimeout, RepositoryRoot, Path.Join(RepositoryRoot, "scripts", "pack"),
            "--version", version, "--output", output, "--artifacts-path", Path.Join(_root, "build"));
        Assert.True(pack.Code == 0, pack.Output);
        return (output, version);
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static string RepositoryRoot
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
    /// Runs a program to its end, its output (stdout and stderr together) in a file: a background process it
    /// leaves (the node) cannot hold a pipe open. Killed, with what it printed, past the timeout.
    /// </summary>
    private async Task<(int Code, string Output)> RunAsync(TimeSpan timeout, string directory, string program, params string[] args)
    {
        var log = Path.Join(_root, $"output-{Guid.NewGuid():N}.txt");
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
        // What 'dotnet test' sets for its own MSBuild must not steer the build that scripts/pack starts.
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

    private static string NodeLog(string workspace)
    {
        var log = Path.Join(workspace, "logs", "node.log");
        return File.Exists(log) ? $"\nnode.log:\n{File.ReadAllText(log)}" : "";
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Join(to, Path.GetFileName(file)));
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
