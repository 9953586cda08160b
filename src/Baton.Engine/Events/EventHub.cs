using System.Runtime.CompilerServices;
using Baton.Core.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Engine.Events;

/// <summary>
/// In-process fan-out of committed events (docs/events.md). Writers hand over what a transaction committed with
/// <see cref="Publish"/>, after the commit; clients follow with <see cref="SubscribeAsync"/>, which first catches
/// up from the store and then follows publications, in sequence order, with no gap and no duplicate. One hub serves
/// every run of a process (every <c>StateWriter</c> of a node publishes to it).
/// </summary>
/// <remarks>
/// Why there is no gap: a subscriber is registered before it reads the store, so an event committed before the
/// read is in the read, and one committed after it is published to the subscriber. Duplicates between the two are
/// dropped by sequence number. Publications from several writers may arrive out of order, and a subscriber that
/// fell behind has events dropped: either shows as a jump in sequence numbers (or a flag), and the subscriber reads
/// the store again from the last number it has. That is correct because an event is published only after it
/// committed, and sequence numbers follow commit order.
/// </remarks>
public sealed partial class EventHub
{
    private readonly IBatonStore _store;
    private readonly ILogger _logger;
    private readonly EventHubOptions _options;
    private readonly Lock _lock = new();
    private Subscriber[] _subscribers = [];

    public EventHub(IBatonStore store, ILogger? logger = null, EventHubOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _logger = logger ?? NullLogger.Instance;
        _options = options ?? new EventHubOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.SubscriberCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.CatchUpPageSize);
    }

    /// <summary>Subscriptions open now, for diagnostics and a node's status.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>
    /// Hands events that just committed (in sequence order, as <see cref="IBatonStore.ApplyAsync"/> returns them) to
    /// every subscriber. Call only after the commit. Never blocks and never throws for a slow subscriber.
    /// </summary>
    public void Publish(IReadOnlyList<StoredEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            foreach (var stored in events)
            {
                if (!subscriber.Offer(stored))
                {
                    LogBehind(_logger, stored.Sequence);
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Events were committed without being handed to <see cref="Publish"/> (a run's start or end, a write by
    /// another process): every subscriber reads the store for what it has not seen yet.
    /// </summary>
    public void Refresh()
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.MarkBehind();
        }
    }

    /// <summary>
    /// The events after <paramref name="afterSequence"/> that <paramref name="filter"/> matches (all when null): first
    /// those in the store, then each one published, in sequence order, until <paramref name="cancellationToken"/>
    /// is cancelled. Subscribing is free of I/O until the first <c>MoveNextAsync</c>.
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> SubscribeAsync(
        long afterSequence,
        EventFilter? filter,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        filter ??= EventFilter.All;
        var subscriber = new Subscriber(_options.SubscriberCapacity);
        Add(subscriber);
        try
        {
            // Every event up to `covered` has been seen (yielded if it matched, else passed over).
            var covered = afterSequence;
            var readStore = true;
            while (true)
            {
                if (readStore || subscriber.TakeBehind())
                {
                    readStore = false;
                    var latest = await _store.LatestEventSequenceAsync(cancellationToken);
                    while (true)
                    {
                        var page = await _store.ReadEventsAsync(covered, _options.CatchUpPageSize, filter, cancellationToken);
                        foreach (var stored in page)
                        {
                            covered = stored.Sequence;
                            yield return stored;
                        }
                        if (page.Count < _options.CatchUpPageSize)
                        {
                            break;
                        }
                    }
                    // Events up to `latest` that the filter left out have been passed over too.
                    covered = Math.Max(covered, latest);
                    continue;
                }
                if (subscriber.TryTake(out var next))
                {
                    if (next is null || next.Sequence <= covered)
                    {
                        continue; // a wake-up, or an event the store read already gave
                    }
                    if (next.Sequence > covered + 1)
                    {
                        // A jump: what lies between committed before `next` (publications raced, or came from
                        // elsewhere). The store has it, `next` included.
                        readStore = true;
                        continue;
                    }
                    covered = next.Sequence;
                    if (filter.Matches(next))
                    {
                        yield return next;
                    }
                    continue;
                }
                await subscriber.WaitAsync(cancellationToken);
            }
        }
        finally
        {
            Remove(subscriber);
        }
    }

    private void Add(Subscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }
    }

    private void Remove(Subscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Where(s => s != subscriber).ToArray();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "a subscriber fell behind at event {Sequence}; it will catch up from the store")]
    private static partial void LogBehind(ILogger logger, long sequence);
}
