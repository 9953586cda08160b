using Baton.Core.Gpus;
using Baton.Core.Resources;
using Baton.Core.Workspaces;
using Baton.Engine.Runs;
using Baton.Executors.Local;
using Baton.Hosting.Executors;
using Baton.Hosting.Gpus;
using Baton.Hosting.Workspaces;

namespace Baton.Hosting.Composition;

/// <summary>
/// A node's composition, resolved from <see cref="BatonOptions"/>: the workspace, its settings, the capacity and GPUs
/// the node hands out, the tokens it counts and the executor it runs attempts with. Resolving touches nothing on
/// disk but reading <c>settings.yaml</c>, so every mistake in the input is found before the workspace is written.
/// </summary>
public sealed record NodeSetup(
    WorkspaceLayout Layout,
    WorkspaceSettings Settings,
    ExecutorChoice Executor,
    ResourceCapacity Capacity,
    GpuInventory Gpus,
    IGpuMemoryProbe GpuProbe)
{
    /// <summary>Why GPU detection failed when nvidia-smi is there but did not answer; null otherwise.</summary>
    public string? GpuProblem { get; init; }

    /// <summary>Named counting resources the workspace declares.</summary>
    public IReadOnlyDictionary<string, int> Tokens => Settings.Tokens;

    /// <summary>The store location given for this node (<see cref="BatonOptions.Store"/>); null: the workspace's own.</summary>
    public string? Store { get; init; }

    public static NodeSetup Resolve(BatonOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var layout = WorkspaceLocation.Resolve(options.Workspace);
        var settings = Directory.Exists(layout.Root) ? WorkspaceSettings.Load(layout.Root) : new WorkspaceSettings(null, null);
        var executor = ExecutorChoice.Resolve(options.Executor, settings);
        var capacity = executor.Capacity(options.Cpus, options.Memory, settings);
        var (gpus, probe, problem) = MachineGpus.Resolve(settings, time);
        return new NodeSetup(layout, settings, executor, capacity, gpus, probe) { GpuProblem = problem, Store = options.Store };
    }

    /// <summary>The run options every run of this node starts from: its capacity, GPUs and tokens.</summary>
    public RunOptions RunOptions() => new(Capacity)
    {
        Gpus = Gpus,
        GpuProbe = GpuProbe,
        Tokens = Tokens,
        // SLURM grants GPUs itself: tasks' GPU requests go to it as they are.
        GpusPlacedByExecutor = Executor.Name == "slurm",
        // Runs claim their tasks, so that several orchestrators sharing the workspace never run one twice.
        Owners = new LocalClaimOwnerProbe(),
        // Runs started in this process or through the node's socket are the workspace owner's; the API records a token's name instead.
        SubmittedBy = Environment.UserName,
    };
}
