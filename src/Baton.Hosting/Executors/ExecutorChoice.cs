using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Resources;
using Baton.Executors.Local;
using Baton.Executors.Slurm;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting.Executors;

/// <summary>
/// <c>--executor local|slurm</c> (else the workspace's <c>executor:</c> setting, else local): the executor a run
/// uses, and what Baton may have in flight at once with it.
/// </summary>
public sealed record ExecutorChoice(string Name)
{
    public static ExecutorChoice Resolve(string? option, WorkspaceSettings settings)
    {
        var name = option ?? settings.Executor ?? "local";
        return name is "local" or "slurm"
            ? new ExecutorChoice(name)
            : throw new BatonInputException($"--executor '{name}' is not known (known: local, slurm)");
    }

    /// <summary>
    /// Local: this machine (<c>--cpus</c>/<c>--memory</c>, settings, detected). SLURM: the cluster decides what runs
    /// when, so nothing is held back unless <c>--cpus</c>/<c>--memory</c> cap what Baton has submitted at once.
    /// </summary>
    public ResourceCapacity Capacity(int? cpus, string? memory, WorkspaceSettings settings)
    {
        if (Name == "local")
        {
            return MachineCapacity.Resolve(cpus, memory, settings);
        }
        var unbounded = new WorkspaceSettings(int.MaxValue / 2, long.MaxValue / 2);
        return MachineCapacity.Resolve(cpus, memory, unbounded);
    }

    public IExecutor Create(WorkflowGraph graph, WorkspaceSettings settings, ILoggerFactory loggers, TimeProvider time)
    {
        if (Name == "local")
        {
            return new LocalExecutor(new LocalExecutorOptions(), loggers.CreateLogger<LocalExecutor>(), time);
        }
        var options = SlurmWorkspaceSettings.Options(settings.Slurm) with
        {
            // A template's (or the workflow's) slurm: block over the workspace's.
            JobSettingsFor = request => graph.TryGetIndex(request.TaskName, out var t) ? graph.Tasks[t].Template.Slurm : null,
        };
        return new SlurmExecutor(options, loggers.CreateLogger<SlurmExecutor>(), time);
    }
}
