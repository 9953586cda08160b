using Baton.Core.Resources;
using Baton.Core.Lifecycle;
using Baton.Engine.Control;

namespace Baton.Engine.Runs;

// The parts of the run loop that serve GPU-aware scheduling: giving back what an attempt held, waking up when tasks
// wait with nothing running (memory used by other processes on a GPU frees without an event of Baton's), and the
// `baton set` / `baton resources` requests.
internal sealed partial class RunLoop
{
    /// <summary>How long a run with ready tasks and nothing running waits before it looks again (cattino: 5 s).</summary>
    private static readonly TimeSpan StuckRetry = TimeSpan.FromSeconds(5);

    private bool _wakePending;

    public async Task<string> SetAsync(string taskName, TaskChange change, CancellationToken cancellationToken)
    {
        var request = new SetRequest(taskName, change, new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_events.Writer.TryWrite(request))
        {
            throw new InvalidOperationException($"the run of workflow '{_graph.Name}' has ended");
        }
        return await request.Reply.Task.WaitAsync(cancellationToken);
    }

    public async Task<ResourceSnapshot> ResourcesAsync(CancellationToken cancellationToken)
    {
        var request = new ResourcesRequest(new TaskCompletionSource<ResourceSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_events.Writer.TryWrite(request))
        {
            throw new InvalidOperationException($"the run of workflow '{_graph.Name}' has ended");
        }
        return await request.Reply.Task.WaitAsync(cancellationToken);
    }

    private void ReleaseResources(int t)
    {
        if (_allocations[t] is { } allocation)
        {
            _pool.Release(allocation, this);
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
            case SetRequest set:
                set.Reply.TrySetResult(OnSet(set.TaskName, set.Change));
                break;
            case ResourcesRequest resources:
                resources.Reply.TrySetResult(Snapshot());
                break;
        }
    }

    private ResourceSnapshot Snapshot()
    {
        lock (_pool.Sync)
        {
            return new ResourceSnapshot(
                    _graph.Name,
                    _pool.Capacity.Cpus,
                    _pool.FreeCpus,
                    _pool.Capacity.MemoryBytes,
                    _pool.FreeMemoryBytes,
                    _pool.GpuUsage(),
                    _running.Count,
                    _ready.Count,
                    _ready.ReservedFor >= 0 ? _graph.Tasks[_ready.ReservedFor].Name : null);
        }
    }

    /// <summary>Another run of the node gave resources back: tasks waiting here may fit now.</summary>
    private void OnReleasedElsewhere(object owner)
    {
        if (!ReferenceEquals(owner, this))
        {
            _events.Writer.TryWrite(new Wake());
        }
    }

    private string OnSet(string name, TaskChange change)
    {
        if (!_graph.TryGetIndex(name, out var t))
        {
            return "not in this run";
        }
        if (_state[t] is not (TaskState.Waiting or TaskState.Ready))
        {
            return $"not changed: it is {_state[t].ToWord()} (only a task that has not started can be changed)";
        }
        var resources = change.Apply(_resources[t]);
        if (!_pool.Capacity.CanEverFit(resources))
        {
            return $"not changed: cpus={resources.Cpus} memory={ResourceParser.FormatMemory(resources.MemoryBytes)} would never fit (Baton may use {_pool.Capacity.Cpus} cpus and {ResourceParser.DescribeMemory(_pool.Capacity.MemoryBytes)})";
        }
        if (_pool.PlacesGpus && _pool.Gpus.WhyNever(resources.Gpus) is { } never)
        {
            return $"not changed: it would need {never}";
        }
        _resources[t] = resources;
        _priority[t] = change.Priority ?? _priority[t];
        if (_ready.Contains(t))
        {
            Enqueue(t);
        }
        return $"set {change}";
    }

    /// <summary>Answers a request that arrived as the run ended.</summary>
    private static void RefuseLate(RunEvent late)
    {
        switch (late)
        {
            case SetRequest set:
                set.Reply.TrySetResult("the run had already ended");
                break;
            case ResourcesRequest resources:
                resources.Reply.TrySetException(new InvalidOperationException("the run had already ended"));
                break;
        }
    }

    /// <summary>Time to look at the ready queue again.</summary>
    private sealed record Wake : RunEvent;

    private sealed record SetRequest(string TaskName, TaskChange Change, TaskCompletionSource<string> Reply) : RunEvent;

    private sealed record ResourcesRequest(TaskCompletionSource<ResourceSnapshot> Reply) : RunEvent;
}
