namespace Baton.Engine.Runs;

// The parts of the run loop that serve GPU-aware scheduling: giving back what an attempt held, and waking up when
// tasks wait with nothing running (memory used by other processes on a GPU frees without an event of Baton's).
internal sealed partial class RunLoop
{
    /// <summary>How long a run with ready tasks and nothing running waits before it looks again (cattino: 5 s).</summary>
    private static readonly TimeSpan StuckRetry = TimeSpan.FromSeconds(5);

    private bool _wakePending;

    private void ReleaseResources(int t)
    {
        if (_allocations[t] is { } allocation)
        {
            _pool.Release(allocation);
            _allocations[t] = null;
        }
    }

    private void WakeIfStuck()
    {
        if (_wakePending || _interrupted || _running.Count > 0 || _ready.Count == 0)
        {
            return;
        }
        _wakePending = true;
        _ = Task.Delay(StuckRetry, _time).ContinueWith(
            _ => _events.Writer.TryWrite(new Wake()), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void HandleControl(RunEvent e)
    {
        switch (e)
        {
            case Wake:
                _wakePending = false;
                break;
        }
    }

    /// <summary>Time to look at the ready queue again.</summary>
    private sealed record Wake : RunEvent;
}
