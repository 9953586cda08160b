using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Baton.Client;
using Baton.Cli.Rendering;
using Baton.Cli.Nodes;
using Baton.Core.Errors;
using Baton.Core.Resources;
using Baton.Core.Workspaces;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
using Baton.Hosting.Workspaces;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton node serve|start|status|stop</c>: the workspace's node, the long-lived process that owns the
/// workspace's resources and drives its runs (docs/architecture.md). <c>baton run</c> submits to it when it runs.
/// </summary>
internal static class NodeCommand
{
    /// <summary>The idle time after which a node with no run and no client exits, unless <c>--idle-timeout</c> says otherwise.</summary>
    public const string IdleTimeoutVariable = "BATON_NODE_IDLE_TIMEOUT";

    private static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan StartPatience = TimeSpan.FromMinutes(1);

    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var command = new Command("node", "The workspace's node: the long-lived process that drives its runs");
        command.Subcommands.Add(Serve(common, context));
        command.Subcommands.Add(Start(common, context));
        command.Subcommands.Add(Status(common, context));
        command.Subcommands.Add(Stop(common, context));
        return command;
    }

    private sealed record NodeOptions(Option<int?> Cpus, Option<string?> Memory, Option<string?> Executor, Option<string?> IdleTimeout)
    {
        public static NodeOptions Create() => new(
            new Option<int?>("--cpus") { Description = "Cores the node may use (default: workspace settings, else all detected)" },
            new Option<string?>("--memory") { Description = "Memory the node may use, e.g. 16G (default: workspace settings, else all detected)" },
            new Option<string?>("--executor") { Description = "Where attempts run: local or slurm (default: workspace settings, else local)" },
            new Option<string?>("--idle-timeout") { Description = $"Exit after this long with no run and no client, e.g. 30s or 1h (default: ${IdleTimeoutVariable}, else 10m)" });

        public void AddTo(Command command)
        {
            command.Options.Add(Cpus);
            command.Options.Add(Memory);
            command.Options.Add(Executor);
            command.Options.Add(IdleTimeout);
        }
    }

    private static Command Serve(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var options = NodeOptions.Create();
        var command = new Command("serve", "Run the workspace's node in this process until it is stopped or idle");
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var idle = IdleTimeout(parse.GetValue(options.IdleTimeout));
            var setup = NodeSetup.Resolve(new BatonOptions
            {
                Workspace = parse.GetValue(common.Workspace),
                Cpus = parse.GetValue(options.Cpus),
                Memory = parse.GetValue(options.Memory),
                Executor = parse.GetValue(options.Executor),
            }, cli.Time);
            await ForegroundNode.RunAsync(cli, setup, idle, null, (_, endpoint) =>
                cli.Error.WriteLineAsync($"baton: node {Environment.ProcessId} serves '{setup.Layout.Root}' on {endpoint.SocketPath} ({setup.Capacity.Cpus} cpus, {HumanUnits.Bytes(setup.Capacity.MemoryBytes)}, executor {setup.Executor.Name})"),
                cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Start(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var options = NodeOptions.Create();
        var command = new Command("start", "Start the workspace's node in the background (it exits by itself when idle)");
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            _ = IdleTimeout(parse.GetValue(options.IdleTimeout));
            var args = new List<string> { "node", "serve", "--workspace", Path.GetFullPath(layout.Root) };
            if (parse.GetValue(options.Cpus) is { } cpus)
            {
                args.AddRange(["--cpus", cpus.ToString(CultureInfo.InvariantCulture)]);
            }
            foreach (var (option, name) in new[] { (options.Memory, "--memory"), (options.Executor, "--executor"), (options.IdleTimeout, "--idle-timeout") })
            {
                if (parse.GetValue(option) is { } value)
                {
                    args.AddRange([name, value]);
                }
            }
            var status = await StartAsync(layout, args, cancellationToken);
            await cli.Output.WriteLineAsync(status.ProcessId.ToString(CultureInfo.InvariantCulture));
            await cli.Error.WriteLineAsync($"baton: node {status.ProcessId} serves '{status.Workspace}' ({status.Cpus} cpus, {HumanUnits.Bytes(status.MemoryBytes)}, executor {status.Executor})");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Starts <c>baton node serve</c> in a session of its own (no terminal: closing the shell does not stop it), its
    /// output in <c>logs/node.log</c>, and returns once it answers; a node already serving the workspace is kept.
    /// </summary>
    public static async Task<NodeStatus> StartAsync(WorkspaceLayout layout, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var endpoint = NodeEndpoint.For(layout);
        endpoint.EnsureUsable();
        using var client = new NodeClient(endpoint.SocketPath);
        if (await client.TryStatusAsync(cancellationToken) is { } running)
        {
            if (running.Version == NodeEndpoints.Version)
            {
                return running;
            }
            // A node of another Baton version (an upgrade, a rebuild) is replaced once it is idle.
            if (running.Runs.Count > 0)
            {
                throw new BatonInputException($"the workspace's node (pid {running.ProcessId}) runs Baton {running.Version}, this is {NodeEndpoints.Version}, and it drives {running.Runs.Count} runs: wait for them to end, or 'baton node stop --force'");
            }
            await client.StopAsync(force: false, cancellationToken);
            await WaitGoneAsync(endpoint, cancellationToken);
        }
        ForegroundNode.CreateWorkspace(layout.Root);
        Directory.CreateDirectory(Path.GetDirectoryName(endpoint.LogPath)!);
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // setsid: a session of its own, without a terminal; sh only redirects, then both exec, so the pid is baton's.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec setsid \"$@\" </dev/null >>\"$BATON_NODE_LOG\" 2>&1");
        info.ArgumentList.Add("sh");
        foreach (var part in BatonProgram.Command().Concat(args))
        {
            info.ArgumentList.Add(part);
        }
        info.Environment["BATON_NODE_LOG"] = endpoint.LogPath;
        var logLength = File.Exists(endpoint.LogPath) ? new FileInfo(endpoint.LogPath).Length : 0;
        using var child = Process.Start(info) ?? throw new BatonInputException("cannot start the node process");
        var started = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(10);
        while (started.Elapsed < StartPatience)
        {
            if (await client.TryStatusAsync(cancellationToken) is { } status)
            {
                return status;
            }
            if (child.HasExited)
            {
                // Another client started a node at the same moment: this one lost the lock; use the winner.
                if (await client.TryStatusAsync(cancellationToken) is { } winner)
                {
                    return winner;
                }
                // Its own one-line error says why; a damaged store keeps its own exit code.
                var said = LastLine(endpoint.LogPath, logLength)?.Replace("baton: error: ", "", StringComparison.Ordinal) ?? $"exit code {child.ExitCode}";
                throw child.ExitCode == ExitCodes.StoreDamaged
                    ? new StoreDamagedException(said)
                    : new BatonInputException($"the node did not start: {said}");
            }
            // Waiting for the new process to listen: nothing to be told by but the socket itself.
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(200, delay.TotalMilliseconds * 2));
        }
        throw new BatonInputException($"the node (pid {child.Id}) did not answer within {StartPatience.TotalSeconds:0} s; see {endpoint.LogPath}");
    }

    private static Command Status(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var json = CommonOptions.Json();
        var command = new Command("status", "Show the workspace's node: pid, uptime, runs, capacity in use") { json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            var node = await NodeConnections.NodeAsync(layout, cancellationToken);
            if (node is not { } found)
            {
                if (parse.GetValue(json))
                {
                    await cli.Output.WriteLineAsync("null");
                }
                else
                {
                    cli.Console.MarkupLine($"no node serves the workspace '{Markup.Escape(layout.Root)}'");
                }
                return ExitCodes.Success;
            }
            using var client = found.Client;
            var status = found.Status;
            if (parse.GetValue(json))
            {
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(status, NodeJson.Default.NodeStatus));
                return ExitCodes.Success;
            }
            var uptime = cli.Time.GetUtcNow() - status.StartedAt;
            cli.Console.MarkupLine(Markup.Escape($"node {status.ProcessId} on {status.Host} (version {status.Version}), up {HumanUnits.Duration(uptime)}"));
            cli.Console.MarkupLine(Markup.Escape($"workspace {status.Workspace}, executor {status.Executor}"));
            cli.Console.MarkupLine(Markup.Escape($"in use: {status.CpusInUse}/{status.Cpus} cpus, {HumanUnits.Bytes(status.MemoryBytesInUse)}/{HumanUnits.Bytes(status.MemoryBytes)} memory"));
            cli.Console.MarkupLine(status.Runs.Count == 0 ? "runs: none" : $"runs: {status.Runs.Count}");
            foreach (var run in status.Runs)
            {
                cli.Console.MarkupLine(Markup.Escape($"  run {run.RunId} of '{run.Workflow}': {run.Done}/{run.Total} done, {run.Running} running, {run.Failed} failed"));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Stop(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var force = new Option<bool>("--force") { Description = "Stop even while runs are active (their attempts are killed)" };
        var command = new Command("stop", "Stop the workspace's node (refused while it drives runs, unless --force)") { force };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            if (await NodeConnections.NodeAsync(layout, cancellationToken) is not { } found)
            {
                cli.Console.MarkupLine($"no node serves the workspace '{Markup.Escape(layout.Root)}'");
                return ExitCodes.Success;
            }
            using var client = found.Client;
            await client.StopAsync(parse.GetValue(force), cancellationToken);
            await WaitGoneAsync(NodeEndpoint.For(layout), cancellationToken);
            cli.Console.MarkupLine(Markup.Escape($"node {found.Status.ProcessId} stopped"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// A node asked to stop answers, then winds down: gone once it has released the node lock, so that a node or
    /// <c>baton serve</c> started right after takes the workspace (its socket stops answering a little earlier).
    /// </summary>
    private static async Task WaitGoneAsync(NodeEndpoint endpoint, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(10);
        while (!Released(endpoint.LockPath) && waited.Elapsed < StartPatience)
        {
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(200, delay.TotalMilliseconds * 2));
        }

        static bool Released(string lockPath)
        {
            using var probe = WorkspaceLock.TryAcquire(lockPath);
            return probe is not null;
        }
    }

    private static TimeSpan IdleTimeout(string? option)
    {
        var text = option ?? Environment.GetEnvironmentVariable(IdleTimeoutVariable);
        if (string.IsNullOrEmpty(text))
        {
            return DefaultIdleTimeout;
        }
        return ResourceParser.TryParseRuntime(text, out var idle, out var error) && idle > TimeSpan.Zero
            ? idle
            : throw new BatonInputException($"{(option is null ? IdleTimeoutVariable : "--idle-timeout")} '{text}': {(error.Length > 0 ? error : "must be positive")}");
    }

    private static string? LastLine(string log, long from)
    {
        if (!File.Exists(log))
        {
            return null;
        }
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
    }
}
