using System.Globalization;
using System.Runtime.InteropServices;
using Baton.Core.Errors;
using Baton.Dashboard;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
using Baton.Hosting.Workspaces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Cli.Nodes;

/// <summary>
/// The workspace's node in this process, until a signal, <c>baton node stop</c> or idleness: what <c>baton node
/// serve</c> and <c>baton serve</c> run. It holds the node lock and serves the API on the workspace's socket, and on
/// TCP when given a listener.
/// </summary>
internal static class ForegroundNode
{
    /// <param name="started">Told once the server answers (to print where).</param>
    public static async Task RunAsync(
        CliContext cli, NodeSetup setup, TimeSpan? idle, NetworkListener? network, Func<NodeServer, NodeEndpoint, Task> started, CancellationToken cancellationToken)
    {
        var endpoint = NodeEndpoint.For(setup.Layout);
        endpoint.EnsureUsable();
        CreateWorkspace(setup.Layout.Root);
        using var nodeLock = WorkspaceLock.TryAcquire(endpoint.LockPath)
            ?? throw new BatonInputException($"a node already serves the workspace '{setup.Layout.Root}' (see 'baton node status')");
        await File.WriteAllTextAsync(endpoint.PidPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n", cancellationToken);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        // A node outlives the command that started it: what goes wrong in it (a failed request, a store error) is
        // written to its log (logs/node.log), even when nobody asked for --verbose.
        using var quiet = cli.Loggers is NullLoggerFactory ? WarningsLog() : null;
        var loggers = quiet ?? cli.Loggers;

        // Disposed in reverse: the API stops taking requests, then the node interrupts what still runs.
        await using var node = await BatonNode.OpenAsync(setup, createWorkspace: true, loggers, cli.Time, cancellationToken);
        // The dashboard is for browsers: only a node on TCP (baton serve) serves it.
        IReadOnlyList<INodeServerExtension> extensions = network is null ? [] : [new DashboardExtension()];
        await using var server = await NodeServer.StartAsync(node, endpoint, idle, network, extensions, loggers, cli.Time, cancellationToken);
        await started(server, endpoint);
        await Task.WhenAny(server.State.StopRequested, Task.Delay(Timeout.Infinite, stop.Token));
        await cli.Error.WriteLineAsync($"baton: node {Environment.ProcessId} stops ({(stop.IsCancellationRequested ? "signal" : "asked to, or idle")})");
        File.Delete(endpoint.PidPath);
    }

    private static ILoggerFactory WarningsLog() => LoggerFactory.Create(b => b
        .SetMinimumLevel(LogLevel.Warning)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
        })
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    public static void CreateWorkspace(string root)
    {
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BatonInputException($"cannot create the workspace '{root}': {ex.Message}");
        }
    }
}
