using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Stores;
using Baton.Engine.Runs;
using Baton.Engine.Node;
using Baton.Hosting.Executors;
using Baton.Hosting.Workspaces;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting.Composition;

/// <summary>
/// A composed Baton node: the workspace's store, its executors and the node-level engine, made from
/// <see cref="BatonOptions"/> in one place. The CLI opens one for a run (the node embedded in the process), a server
/// or a user's application hosts one (<see cref="BatonServiceCollectionExtensions.AddBaton"/>).
/// </summary>
public sealed class BatonNode : IAsyncDisposable
{
    private readonly NodeExecutors _executors;
    private readonly TimeProvider _time;
    // One start at a time, so that two clients submitting the same workflow get one run.
    private readonly SemaphoreSlim _starting = new(1, 1);

    private BatonNode(NodeSetup setup, IBatonStore store, NodeExecutors executors, NodeEngine engine, TimeProvider time)
    {
        _time = time;
        Setup = setup;
        Store = store;
        _executors = executors;
        Engine = engine;
    }

    public NodeSetup Setup { get; }

    public IBatonStore Store { get; }

    public NodeEngine Engine { get; }

    /// <summary>
    /// Resolves <paramref name="options"/> (every input mistake is a <see cref="BatonInputException"/> before anything
    /// is written), then creates the workspace if asked, opens its store and composes the node.
    /// </summary>
    public static async Task<BatonNode> OpenAsync(BatonOptions options, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        var setup = NodeSetup.Resolve(options, time);
        return await OpenAsync(setup, options.CreateWorkspace, loggers, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Composes a node from an already resolved <paramref name="setup"/>.</summary>
    public static async Task<BatonNode> OpenAsync(NodeSetup setup, bool createWorkspace, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var store = await WorkspaceStore.OpenAsync(setup.Layout, createWorkspace, loggers, cancellationToken, setup.Store).ConfigureAwait(false);
        var executors = new NodeExecutors(setup.Executor, setup.Settings, loggers, time);
        var engine = new NodeEngine(store, setup.Layout, executors, setup.RunOptions(), time, loggers);
        return new BatonNode(setup, store, executors, engine, time);
    }

    /// <summary>
    /// Starts a run of <paramref name="graph"/>, or finds its live run: a workflow runs in one place at a time (its
    /// lock in the workspace, held for the run's length, also against other processes). Runs of the workflow still
    /// marked running in the store belong to a process that died: they are closed as interrupted first.
    /// </summary>
    /// <returns>The run, and whether it was already live in this node.</returns>
    public async Task<(NodeRun Run, bool Attached)> StartRunAsync(WorkflowGraph graph, RunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        WorkflowRunner.EnsureRunnable(graph, options);
        await _starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Engine.FindActive(graph.Name) is { } live)
            {
                return (live, true);
            }
            var run = await UnderWorkflowLockAsync(graph.Name, () => Task.FromResult(Engine.Start(graph, options, new RunProgress())), cancellationToken).ConfigureAwait(false);
            return (run, false);
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// Opens a run of workflow <paramref name="name"/> that takes tasks as it goes (a typed experiment's), under the
    /// same workflow lock as <see cref="StartRunAsync"/>: the workflow runs in one place at a time, and runs of it
    /// still marked running in the store are closed as interrupted first. The caller completes or disposes the
    /// open run; the lock is let go when it ends.
    /// </summary>
    public async Task<(NodeRun Run, OpenRun Open)> OpenRunAsync(
        string name, string sourceFile, string workflowDirectory, RunOptions options, Action<TaskMoved>? moved, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await _starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Engine.FindActive(name) is not null)
            {
                throw new BatonInputException($"workflow '{name}' is already running in this process; wait for it or kill it");
            }
            OpenRun? open = null;
            var run = await UnderWorkflowLockAsync(name, async () =>
            {
                (var started, open) = await Engine.OpenAsync(name, sourceFile, workflowDirectory, options, moved, cancellationToken).ConfigureAwait(false);
                return started;
            }, cancellationToken).ConfigureAwait(false);
            return (run, open!);
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// Takes the workflow's lock in the workspace (held for the run's length, also against other processes), closes
    /// as interrupted the runs of the workflow still marked running (their process died), then starts the run.
    /// </summary>
    private async Task<NodeRun> UnderWorkflowLockAsync(string workflow, Func<Task<NodeRun>> start, CancellationToken cancellationToken)
    {
        var workflowLock = WorkspaceLock.TryAcquire(WorkspaceLock.ForWorkflow(Setup.Layout.Root, workflow))
            ?? throw new BatonInputException($"workflow '{workflow}' is already running in the workspace '{Setup.Layout.Root}'{await DescribeHolderAsync(workflow, cancellationToken).ConfigureAwait(false)}; wait for it or kill it");
        try
        {
            foreach (var stale in (await Store.ListRunsAsync(workflow, cancellationToken).ConfigureAwait(false)).Where(r => r.Status == RunStatus.Running))
            {
                await Store.FinishRunAsync(stale.RunId, RunStatus.Interrupted, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            var run = await start().ConfigureAwait(false);
            _ = run.Completion.ContinueWith(_ => workflowLock.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return run;
        }
        catch
        {
            workflowLock.Dispose();
            throw;
        }
    }

    private async Task<string> DescribeHolderAsync(string workflow, CancellationToken cancellationToken)
    {
        var runs = await Store.ListRunsAsync(workflow, cancellationToken).ConfigureAwait(false);
        var active = runs.FirstOrDefault(r => r.Status == RunStatus.Running);
        return active is null ? "" : $" (run {active.RunId} of '{active.Workflow}', pid {active.ProcessId} on {active.Host})";
    }

    /// <summary>Leaves attempts still running when the node is disposed running (see <see cref="INodeExecutors.LeaveRunning"/>).</summary>
    public void LeaveRunning() => _executors.LeaveRunning();

    /// <summary>Interrupts the runs still going, waits for them to record how they stopped, then closes executors and store.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var run in Engine.ActiveRuns)
        {
            run.Interrupt();
            try
            {
                await run.Completion.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The run's own host reported how it failed; closing goes on.
            }
        }
        await _executors.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
        _starting.Dispose();
    }
}
