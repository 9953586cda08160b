using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Stores;
using Baton.Core.Workspaces;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton run --detach</c>: starts the same run as a background <c>baton run</c> process in a session of its own
/// (no terminal: closing the shell does not stop it), with its output in <c>logs/</c> of the workspace, and returns
/// once the run is recorded, printing its id on stdout (the rest on stderr, so <c>RUN=$(baton run --detach f)</c> works).
/// </summary>
internal static class DetachedRun
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromMinutes(2);

    public static async Task<int> StartAsync(
        CliContext cli, WorkflowGraph graph, WorkspaceLayout layout, RunCommand.RunSettings settings, CancellationToken cancellationToken)
    {
        var (workflow, file, cpus, memory) = (graph.Name, graph.SourceFile, settings.Cpus, settings.Memory);
        Directory.CreateDirectory(layout.Root);
        var logs = Directory.CreateDirectory(Path.Combine(layout.Root, "logs")).FullName;
        var log = Path.Combine(logs, string.Create(CultureInfo.InvariantCulture, $"run-{cli.Time.GetUtcNow():yyyyMMdd-HHmmss}-{Environment.ProcessId}.log"));
        var args = new List<string> { "run", Path.GetFullPath(file), "--workspace", layout.Root, "--no-progress" };
        if (cpus is { } c)
        {
            args.AddRange(["--cpus", c.ToString(CultureInfo.InvariantCulture)]);
        }
        if (memory is not null)
        {
            args.AddRange(["--memory", memory]);
        }
        if (settings.Executor is { } executorName)
        {
            args.AddRange(["--executor", executorName]);
        }
        foreach (var (given, flag) in new[] { (settings.Cold, "--cold"), (settings.FailFast, "--fail-fast"), (settings.NewWorkflow, "--new-workflow"), (settings.KeepRunning, "--keep-running") })
        {
            if (given)
            {
                args.Add(flag);
            }
        }

        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // setsid: a session of its own, without a terminal; sh only redirects, then both exec, so the pid is baton's.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec setsid \"$@\" </dev/null >>\"$BATON_DETACHED_LOG\" 2>&1");
        info.ArgumentList.Add("sh");
        foreach (var part in SelfCommand())
        {
            info.ArgumentList.Add(part);
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["BATON_DETACHED_LOG"] = log;
        using var child = Process.Start(info) ?? throw new BatonInputException("cannot start a background baton process");

        await using var store = await WorkspaceStore.OpenAsync(layout, create: true, cli.Loggers, cancellationToken);
        var started = cli.Time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(20);
        while (cli.Time.GetElapsedTime(started) < StartPatience)
        {
            var run = (await store.ListRunsAsync(workflow, cancellationToken))
                .FirstOrDefault(r => r.ProcessId == child.Id && r.Host == Environment.MachineName && r.Status == RunStatus.Running);
            if (run is not null)
            {
                await cli.Output.WriteLineAsync(run.RunId.ToString(CultureInfo.InvariantCulture));
                await cli.Error.WriteLineAsync($"baton: run {run.RunId} of '{workflow}' runs in the background (pid {child.Id}, output in {log}); follow it with 'baton wait {run.RunId}'");
                return ExitCodes.Success;
            }
            if (child.HasExited)
            {
                // It ended before its run was recorded (a busy workflow, bad input): its own words say why.
                var said = File.Exists(log) ? (await File.ReadAllTextAsync(log, cancellationToken)).Trim() : "";
                await cli.Error.WriteLineAsync(said.Length > 0 ? said : $"baton: the background run ended at once with exit code {child.ExitCode}");
                return child.ExitCode == 0 ? ExitCodes.Success : child.ExitCode;
            }
            await Task.Delay(delay, cli.Time, cancellationToken);
            delay = delay * 2 > TimeSpan.FromMilliseconds(250) ? TimeSpan.FromMilliseconds(250) : delay * 2;
        }
        throw new BatonInputException($"the background run (pid {child.Id}) did not start within {StartPatience.TotalSeconds:0} s; see {log}");
    }

    /// <summary>How to start this program again: its apphost, or the muxer with its assembly.</summary>
    private static string[] SelfCommand()
    {
        var process = Environment.ProcessPath ?? throw new BatonInputException("cannot tell which program this is, to start it in the background");
        var entry = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && entry is { Length: > 0 } ? [process, entry] : [process];
    }
}
