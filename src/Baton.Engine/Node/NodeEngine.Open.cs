using Baton.Core.Graph;
using Baton.Engine.Runs;

namespace Baton.Engine.Node;

public sealed partial class NodeEngine
{
    /// <summary>
    /// Opens a run that takes tasks as it goes (<see cref="OpenRun"/>, a typed experiment's) in this node: it draws
    /// from the node's shared pool, publishes to <see cref="Events"/>, and is a <see cref="NodeRun"/> like any other,
    /// so kill, set, limit and resources reach it. The caller adds its tasks, then completes or disposes the open run;
    /// the workflow's lock is the caller's business (<c>BatonNode.OpenRunAsync</c> takes it).
    /// </summary>
    public async Task<(NodeRun Run, OpenRun Open)> OpenAsync(
        string name, string sourceFile, string workflowDirectory, RunOptions options, Action<TaskMoved>? moved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var empty = new WorkflowGraph(name, new Dictionary<string, string>(), sourceFile, workflowDirectory, [], []);
        var interrupt = new CancellationTokenSource();
        var run = new NodeRun(name, new RunProgress(), interrupt);
        OpenRun open;
        try
        {
            open = await OpenRun.StartAsync(name, sourceFile, workflowDirectory, store, executors.ExecutorOf(empty), layout,
                options with { SharedPool = _pool, Events = Events }, moved, run.Progress, interrupt, run.Attach, time, loggers, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            interrupt.Dispose();
            throw;
        }
        // The open run owns the interrupt (it disposes it); the node's run follows its loop.
        run.Completion = FollowAsync(open, run);
        Track(run);
        return (run, open);
    }

    private static async Task<RunSummary> FollowAsync(OpenRun open, NodeRun run)
    {
        try
        {
            return await open.Running.ConfigureAwait(false) with { WorkflowId = open.WorkflowId };
        }
        finally
        {
            run.Ended();
        }
    }
}
