using Baton.Core.Gpus;
using Baton.Core.Graph;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Engine.Events;
using Baton.Engine.Runs;
using Baton.Engine.Scheduling;
using Microsoft.Extensions.Logging;

namespace Baton.Engine.Node;

/// <summary>
/// The node-level engine: it owns the workspace's resources and drives every run of the node. All runs draw from
/// one <see cref="ResourcePool"/> (so two workflows started at once never use more cores, memory or GPU memory
/// than the node has) and run their attempts on the node's executors. Each run keeps its own loop
/// (<see cref="RunLoop"/>): priorities, backfill and concurrency limits order the tasks within a run, and the runs
/// take from the shared pool as resources free up.
/// </summary>
public sealed partial class NodeEngine(
    IBatonStore store,
    WorkspaceLayout layout,
    INodeExecutors executors,
    RunOptions defaults,
    TimeProvider time,
    ILoggerFactory loggers)
{
    private readonly ResourcePool _pool = defaults.GpusPlacedByExecutor
        ? ResourcePool.WithGpusPlacedByExecutor(defaults.Capacity)
        : new(defaults.Capacity, defaults.Gpus, defaults.GpuProbe ?? DeclaredGpuMemory.None);

    /// <summary>The node's committed events: every run's state writer publishes here after each commit.</summary>
    public EventHub Events { get; } = new(store, loggers.CreateLogger<EventHub>());
    private readonly Lock _runsLock = new();
    private readonly List<NodeRun> _runs = [];
    private const int KeptEndedRuns = 64;

    /// <summary>What runs of this node start from: the node's capacity, GPUs and tokens.</summary>
    public RunOptions Defaults => defaults;

    public IBatonStore Store => store;

    public WorkspaceLayout Layout => layout;

    /// <summary>The runs that are going now.</summary>
    public IReadOnlyList<NodeRun> ActiveRuns
    {
        get
        {
            lock (_runsLock)
            {
                return _runs.Where(r => r.IsActive).ToList();
            }
        }
    }

    /// <summary>A run of this node by id: active, or among the last that ended (a client may ask just after the end).</summary>
    public NodeRun? Find(long runId)
    {
        lock (_runsLock)
        {
            return _runs.LastOrDefault(r => r.RunId == runId);
        }
    }

    /// <summary>The active run of <paramref name="workflow"/>, if any.</summary>
    public NodeRun? FindActive(string workflow) => ActiveRuns.FirstOrDefault(r => string.Equals(r.Workflow, workflow, StringComparison.Ordinal));

    /// <summary>Cores and memory the node's runs hold now.</summary>
    public (int Cpus, long MemoryBytes) InUse()
    {
        lock (_pool.Sync)
        {
            return (_pool.Capacity.Cpus - _pool.FreeCpus, _pool.Capacity.MemoryBytes - _pool.FreeMemoryBytes);
        }
    }

    /// <summary>Records the workflow and says what a run would do, without running anything.</summary>
    public Task<RunPlan> PlanAsync(WorkflowGraph graph, RunOptions options, CancellationToken cancellationToken) =>
        Runner(graph, options).PlanAsync(graph, cancellationToken);

    /// <summary>
    /// Starts a run of <paramref name="graph"/> with <paramref name="options"/> (made from <see cref="Defaults"/>):
    /// returns at once; the run goes on in the node until it ends or <see cref="NodeRun.Interrupt"/> is called.
    /// </summary>
    public NodeRun Start(WorkflowGraph graph, RunOptions options, RunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var interrupt = new CancellationTokenSource();
        var run = new NodeRun(graph.Name, progress, interrupt);
        var runner = Runner(graph, options);
        run.Completion = RunAsync(runner, graph, run, interrupt);
        Track(run);
        return run;
    }

    private void Track(NodeRun run)
    {
        lock (_runsLock)
        {
            // Ended runs are kept a while for clients that ask after the end; the oldest go first.
            var ended = _runs.Count(r => !r.IsActive);
            _runs.RemoveAll(r => !r.IsActive && ended-- > KeptEndedRuns);
            _runs.Add(run);
        }
    }

    private WorkflowRunner Runner(WorkflowGraph graph, RunOptions options) =>
        new(store, executors.ExecutorOf(graph), layout, options with { SharedPool = _pool, Events = Events }, time, loggers);

    private static async Task<RunSummary> RunAsync(WorkflowRunner runner, WorkflowGraph graph, NodeRun run, CancellationTokenSource interrupt)
    {
        try
        {
            // The run's loop runs on the thread pool, never on the caller's context.
            return await Task.Run(() => runner.RunAsync(graph, run.Progress, run.Attach, interrupt.Token), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            run.Ended();
            interrupt.Dispose();
        }
    }
}
