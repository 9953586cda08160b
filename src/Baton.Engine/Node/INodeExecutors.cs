using Baton.Core.Executors;
using Baton.Core.Graph;

namespace Baton.Engine.Node;

/// <summary>
/// The executors of a node. The host that composes the node creates them (it knows the concrete kinds); the engine
/// only asks which one a workflow's attempts run on, so it never needs to know what an executor is.
/// </summary>
public interface INodeExecutors : IAsyncDisposable
{
    /// <summary>The executor that runs the attempts of <paramref name="graph"/>.</summary>
    IExecutor ExecutorOf(WorkflowGraph graph);

    /// <summary>
    /// Leaves the attempts that are still running when the executors are disposed running (a run detached with
    /// <c>--keep-running</c>, or a store that can no longer be written): the next run of their workflow re-attaches.
    /// </summary>
    void LeaveRunning();
}
