using Baton.Core.Errors;
using Baton.Experiments.Configs;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Experiments.Experiments;

/// <summary>
/// How an experiment lives in the workspace: a node composed as <c>baton run --embedded</c> composes one, its run
/// opened in that node under the workflow's lock, and the node's API served while it lives.
/// </summary>
public sealed partial class Experiment
{
    /// <summary>
    /// Opens the workspace (creating it) and its node as <c>baton run --embedded</c> does, and starts the experiment's
    /// run under its workflow's lock. While the experiment lives, the node's API is served on the workspace's
    /// <c>embedded/&lt;pid&gt;.sock</c>, so <c>baton kill</c>, <c>set</c>, <c>limit</c> and <c>resources</c> reach its tasks.
    /// </summary>
    public static async Task<Experiment> StartAsync(ExperimentOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name);
        var loggers = options.Loggers ?? NullLoggerFactory.Instance;
        var time = options.Time ?? TimeProvider.System;
        var workspace = ExperimentWorkspace.Open(options.Workspace);
        BatonNode? node = null;
        Experiment? experiment = null;
        try
        {
            // The same composition as baton run's: settings.yaml's cpus, memory, GPUs and tokens, else what is detected.
            var setup = NodeSetup.Resolve(new BatonOptions { Workspace = workspace.Layout.Root }, time);
            setup = setup with { Capacity = options.Capacity ?? setup.Capacity };
            node = await BatonNode.OpenAsync(setup, createWorkspace: true, loggers, time, cancellationToken);
            var runOptions = setup.RunOptions();
            experiment = new Experiment(options, workspace, node, runOptions.Capacity, options.TaskProgram ?? ThisProgram(), loggers.CreateLogger<Experiment>());
            (_, experiment._run) = await node.OpenRunAsync(
                options.Name,
                Environment.ProcessPath ?? "",
                Environment.CurrentDirectory,
                runOptions,
                experiment.OnMoved,
                cancellationToken);
            // A socket per experiment (a process may run several): embedded/<pid>-<run>.sock.
            var embedded = NodeEndpoint.ForEmbedded(workspace.Layout, Environment.ProcessId);
            var endpoint = embedded with
            {
                SocketPath = Path.Combine(Path.GetDirectoryName(embedded.SocketPath)!, $"{Environment.ProcessId}-{experiment._run.RunId}.sock"),
            };
            experiment._server = await NodeServer.StartAsync(node, endpoint, null, loggers, time, cancellationToken);
            experiment._callbackPump = Task.Run(experiment.PumpCallbacksAsync, CancellationToken.None);
            experiment._adder = Task.Run(experiment.AddTasksAsync, CancellationToken.None);
            return experiment;
        }
        catch (BatonInputException ex)
        {
            // The workflow runs elsewhere, or the workspace's path is too long for the socket: a configuration mistake.
            await AbandonAsync(experiment, node);
            throw new ConfigException(ex.Message, ex);
        }
        catch
        {
            await AbandonAsync(experiment, node);
            throw;
        }
    }

    private static async Task AbandonAsync(Experiment? experiment, BatonNode? node)
    {
        if (experiment?._run is { } run)
        {
            await run.DisposeAsync();
        }
        await CloseAsync(experiment?._server, node);
    }

    private static async Task CloseAsync(NodeServer? server, BatonNode? node)
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
        if (node is not null)
        {
            await node.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _additions.Writer.TryComplete();
        await _stopAdding.CancelAsync();
        await _adder;
        await _run.DisposeAsync();
        _callbacks.Writer.TryComplete();
        await _callbackPump;
        foreach (var task in _tasks)
        {
            task.Dispose();
        }
        await CloseAsync(_server, _node);
        _stopAdding.Dispose();
    }
}
