namespace Baton.Core.Stores;

/// <summary>Shorthands over <see cref="IBatonStore"/>.</summary>
public static class RunStarts
{
    /// <summary>Opens a run whose submitter is not recorded (tests, tools); see <see cref="IBatonStore.StartRunAsync"/>.</summary>
    public static ValueTask<long> StartRunAsync(this IBatonStore store, long workflowId, string host, int processId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.StartRunAsync(workflowId, host, processId, null, now, cancellationToken);
    }
}
