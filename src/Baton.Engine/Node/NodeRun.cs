using Baton.Engine.Control;
using Baton.Engine.Runs;

namespace Baton.Engine.Node;

/// <summary>
/// One run that a node drives: its workflow, live progress, the control that reaches its loop once it runs, and
/// its completion. A client may go away; the run goes on in the node until it ends or is interrupted.
/// </summary>
public sealed class NodeRun
{
    private readonly TaskCompletionSource<IRunControl> _control = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _interrupt;

    internal NodeRun(string workflow, RunProgress progress, CancellationTokenSource interrupt)
    {
        Workflow = workflow;
        Progress = progress;
        _interrupt = interrupt;
    }

    public string Workflow { get; }

    public RunProgress Progress { get; }

    /// <summary>The run's summary once it ends; faults with what stopped it (a store that cannot be written).</summary>
    public Task<RunSummary> Completion { get; internal set; } = Task.FromResult<RunSummary>(null!);

    /// <summary>Completes once the run's loop takes requests (kill, set, limit, resources).</summary>
    public Task<IRunControl> Control => _control.Task;

    /// <summary>Whether the run is still going.</summary>
    public bool IsActive => !Completion.IsCompleted;

    /// <summary>Interrupts the run: its attempts are killed, or left running when it was started to detach.</summary>
    public void Interrupt()
    {
        try
        {
            _interrupt.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run has ended already: nothing left to interrupt.
        }
    }

    /// <summary>The run's id in the store, once it runs.</summary>
    public long? RunId { get; private set; }

    internal void Attach(IRunControl control)
    {
        RunId = control.RunId;
        _control.TrySetResult(control);
    }

    internal void Ended() => _control.TrySetException(new InvalidOperationException($"the run of workflow '{Workflow}' has ended"));
}
