using System.Threading.Channels;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Microsoft.Extensions.Logging;

namespace Baton.Engine.Persistence;

/// <summary>
/// Group commit: the scheduling loop hands over state changes without waiting; one writer loop takes every
/// change queued so far and applies them in a single store transaction. Under load a batch holds thousands of
/// changes; when idle a change is written within one transaction's latency. A state change whose
/// compare-and-set lost (the store had a newer state) is not written; it is logged and counted, and the batch
/// goes on: a late report after a newer state is ignored on purpose.
/// </summary>
public sealed partial class StateWriter : IAsyncDisposable
{
    private const int MaxBatch = 20_000;
    private readonly Channel<StoreChange> _changes = Channel.CreateUnbounded<StoreChange>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly IBatonStore _store;
    private readonly ILogger _logger;
    private readonly Task _loop;

    public StateWriter(IBatonStore store, ILogger logger)
    {
        _store = store;
        _logger = logger;
        _loop = Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    /// <summary>Number of transactions committed, for diagnostics and tests.</summary>
    public int Transactions { get; private set; }

    /// <summary>State changes the store did not apply because the task was no longer in their <c>From</c> state.</summary>
    public int Missed { get; private set; }

    /// <summary>Queues a change; throws once the store has failed, so that a run stops instead of running unrecorded.</summary>
    public void Write(StoreChange change)
    {
        if (!_changes.Writer.TryWrite(change))
        {
            throw _loop.Exception is { } failed
                ? failed.InnerException is BatonInputException user
                    // A failure the user can act on (a full disk) keeps its one-line message.
                    ? new BatonInputException(user.Message, user)
                    : new InvalidOperationException($"the store failed: {failed.InnerException?.Message}", failed.InnerException)
                : new InvalidOperationException("the state writer is closed");
        }
    }

    /// <summary>Writes everything queued and stops; rethrows a store failure.</summary>
    public async ValueTask DisposeAsync()
    {
        _changes.Writer.TryComplete();
        await _loop;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<StoreChange>(1024);
        var reader = _changes.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var change))
            {
                batch.Add(change);
            }
            ApplyResult result;
            try
            {
                // A cancelled run still records what happened to it, so the store write is not cancelled with it.
                result = await _store.ApplyAsync(batch, CancellationToken.None);
            }
            catch
            {
                // Refuse further changes: the next Write throws and the run stops.
                _changes.Writer.TryComplete();
                throw;
            }
            Transactions++;
            LogBatch(_logger, batch.Count);
            foreach (var missed in result.Missed)
            {
                Missed++;
                LogMissed(_logger, missed.Change.TaskId, missed.Change.From.ToWord(), missed.Change.To.ToWord(), missed.Actual.ToWord());
            }
            batch.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "committed {Count} state changes")]
    private static partial void LogBatch(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "task {TaskId}: {From} -> {To} not recorded, the store has it {Actual} (a newer state wins)")]
    private static partial void LogMissed(ILogger logger, long taskId, string from, string to, string actual);
}
