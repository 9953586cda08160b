using System.Threading.Channels;
using Baton.Core.Stores;

namespace Baton.Engine.Events;

/// <summary>
/// One subscription's queue of live events, bounded by a count: past <c>capacity</c> the events are dropped and the
/// subscription is marked behind, so that it reads the store instead. Marking queues one wake-up (a null item,
/// outside the count) so that a reader waiting on an empty queue notices.
/// </summary>
internal sealed class Subscriber(int capacity)
{
    private readonly Channel<StoredEvent?> _queue = Channel.CreateUnbounded<StoredEvent?>(new UnboundedChannelOptions { SingleReader = true });
    private int _queued;
    private int _behind;

    /// <summary>Queues <paramref name="stored"/>; false when the subscriber is behind (it will read the store).</summary>
    public bool Offer(StoredEvent stored)
    {
        if (Volatile.Read(ref _behind) == 1)
        {
            return false;
        }
        if (Interlocked.Increment(ref _queued) > capacity)
        {
            Interlocked.Decrement(ref _queued);
            MarkBehind();
            return false;
        }
        _queue.Writer.TryWrite(stored);
        return true;
    }

    /// <summary>Asks the reader to read the store; wakes it if it waits.</summary>
    public void MarkBehind()
    {
        if (Interlocked.Exchange(ref _behind, 1) == 0)
        {
            _queue.Writer.TryWrite(null);
        }
    }

    /// <summary>True once after <see cref="MarkBehind"/>: the caller reads the store next.</summary>
    public bool TakeBehind() => Interlocked.Exchange(ref _behind, 0) == 1;

    /// <summary>The next queued item: an event, or null for a wake-up.</summary>
    public bool TryTake(out StoredEvent? stored)
    {
        if (!_queue.Reader.TryRead(out stored))
        {
            return false;
        }
        if (stored is not null)
        {
            Interlocked.Decrement(ref _queued);
        }
        return true;
    }

    public async ValueTask WaitAsync(CancellationToken cancellationToken) =>
        await _queue.Reader.WaitToReadAsync(cancellationToken);
}
