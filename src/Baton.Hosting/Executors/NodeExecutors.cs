using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Engine.Node;
using Baton.Executors.Local;
using Baton.Hosting.Workspaces;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting.Executors;

/// <summary>
/// The executors of a node: one local executor (one supervisor) for every run of the node. A SLURM executor is made
/// per workflow, since the <c>slurm:</c> blocks of its templates decide each job's options.
/// </summary>
public sealed class NodeExecutors(ExecutorChoice choice, WorkspaceSettings settings, ILoggerFactory loggers, TimeProvider time) : INodeExecutors
{
    private readonly Lock _lock = new();
    private readonly List<IExecutor> _slurm = [];
    private LocalExecutor? _local;
    private bool _leaveRunning;

    public IExecutor ExecutorOf(WorkflowGraph graph)
    {
        lock (_lock)
        {
            if (choice.Name == "local")
            {
                return _local ??= new LocalExecutor(new LocalExecutorOptions(), loggers.CreateLogger<LocalExecutor>(), time);
            }
            var slurm = choice.Create(graph, settings, loggers, time);
            _slurm.Add(slurm);
            return slurm;
        }
    }

    public void LeaveRunning() => _leaveRunning = true;

    public async ValueTask DisposeAsync()
    {
        if (_local is { } local)
        {
            if (_leaveRunning)
            {
                // The supervisor outlives this process and records how each attempt ends; SLURM jobs always do.
                local.Detach();
            }
            await local.DisposeAsync();
        }
        foreach (var slurm in _slurm)
        {
            await slurm.DisposeAsync();
        }
    }
}
