using Baton.Core.Resources;

namespace Baton.Engine.Scheduling;

/// <summary>
/// Tasks that are Ready, ordered by priority (higher first) then by the order they became ready, picked under a
/// <see cref="SchedulingPolicy"/> (backfill with a reservation after a bounded wait, by default).
/// Tasks are kept in one bucket per resource shape (cpus, memory, GPUs, runtime limit), so finding the best task that fits the free
/// resources costs O(number of shapes), not O(number of ready tasks): a 100,000-task sweep has one or a few shapes.
/// A task can be removed or re-queued with another priority or request (<c>baton set</c>): its old entry is then
/// stale and is dropped when it reaches the front of its bucket.
/// </summary>
public sealed class ReadyQueue(SchedulingPolicy? policy = null, TimeProvider? time = null)
{
    private readonly SchedulingPolicy _policy = policy ?? SchedulingPolicy.Default;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<Shape, Bucket> _buckets = [];
    // The live entry of each queued task: its sequence number and when it became ready.
    private readonly Dictionary<int, (long Sequence, long ReadySince, Shape Shape)> _live = [];
    private long _sequence;
    private int _reservedFor = -1;

    public int Count => _live.Count;

    /// <summary>The task that holds a reservation, or -1.</summary>
    public int ReservedFor => _reservedFor;

    public bool Contains(int task) => _live.ContainsKey(task);

    /// <summary>Queues <paramref name="task"/>; a task already queued is moved (keeping the time it became ready).</summary>
    public void Enqueue(int task, ResourceRequest resources, int priority)
    {
        var key = new Shape(resources.Cpus, resources.MemoryBytes, resources.Gpus.Devices, resources.Gpus.MemoryMiB, resources.Gpus.Fraction, resources.Runtime);
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = new Bucket(resources);
            _buckets.Add(key, bucket);
        }
        if (_reservedFor == task)
        {
            // A changed request is a new claim: it earns its own reservation.
            _reservedFor = -1;
        }
        var sequence = _sequence++;
        var since = _live.TryGetValue(task, out var old) ? old.ReadySince : _time.GetTimestamp();
        _live[task] = (sequence, since, key);
        bucket.Queue.Enqueue(task, (-priority, sequence));
    }

    /// <summary>Takes <paramref name="task"/> out of the queue; false if it was not queued.</summary>
    public bool Remove(int task)
    {
        if (_reservedFor == task)
        {
            _reservedFor = -1;
        }
        return _live.Remove(task);
    }

    /// <summary>
    /// Takes the next task to start, or returns false when none may start now. The first task in priority order
    /// starts if it fits; otherwise (with backfill) the best task that fits in what is free, less what a reservation
    /// sets aside. A larger task that does not fit now does not block smaller ones behind it, and is not starved by
    /// them: after <see cref="SchedulingPolicy.ReservationAfter"/> it holds a reservation.
    /// </summary>
    public bool TryDequeueFitting(ResourcePool pool, out int task)
    {
        task = -1;
        Bucket? head = null;
        foreach (var bucket in _buckets.Values)
        {
            if (Front(bucket) && (head is null || bucket.Key.CompareTo(head.Key) < 0))
            {
                head = bucket;
            }
        }
        if (head is null)
        {
            return false;
        }
        if (_reservedFor >= 0 && !_live.ContainsKey(_reservedFor))
        {
            _reservedFor = -1;
        }
        Reservation? reservation = null;
        Bucket? holderBucket = null;
        if (_reservedFor >= 0)
        {
            // The holder's bucket: its front is the holder, or a task of the same shape queued since with a higher
            // priority, which may go first (it needs exactly what the holder needs).
            holderBucket = _buckets[_live[_reservedFor].Shape];
            if (pool.Fits(holderBucket.Shape))
            {
                task = Take(holderBucket);
                return true;
            }
            reservation = pool.Reserve(holderBucket.Shape);
        }
        else if (pool.Fits(head.Shape))
        {
            task = Take(head);
            return true;
        }
        else if (!_policy.Backfill)
        {
            return false;
        }
        else if (_time.GetElapsedTime(_live[head.Front].ReadySince) >= _policy.ReservationAfter)
        {
            _reservedFor = head.Front;
            holderBucket = head;
            reservation = pool.Reserve(head.Shape);
        }

        // A task sure to end (by its runtime limit) before the holder will fit at the latest may use what is set
        // aside for the holder: it cannot delay it (EASY backfilling).
        var shadow = holderBucket is null ? null : pool.ShadowTime(holderBucket.Shape);
        var now = _time.GetUtcNow();

        Bucket? best = null;
        foreach (var bucket in _buckets.Values)
        {
            if (bucket.Front < 0 || bucket.Front == _reservedFor || (best is not null && bucket.Key.CompareTo(best.Key) >= 0))
            {
                continue;
            }
            if (pool.Fits(bucket.Shape, reservation)
                || (shadow is { } latest && bucket.Shape.Runtime is { } runtime && now + runtime <= latest && pool.Fits(bucket.Shape)))
            {
                best = bucket;
            }
        }
        if (best is null)
        {
            return false;
        }
        task = Take(best);
        return true;
    }

    /// <summary>Removes every queued task (for example when a run is interrupted) and returns them.</summary>
    public List<int> DrainAll()
    {
        var all = new List<int>(Count);
        foreach (var bucket in _buckets.Values)
        {
            while (bucket.Queue.TryDequeue(out var t, out var key))
            {
                if (_live.TryGetValue(t, out var entry) && entry.Sequence == key.Sequence)
                {
                    all.Add(t);
                }
            }
        }
        _live.Clear();
        _reservedFor = -1;
        return all;
    }

    /// <summary>Drops stale entries at the front of a bucket; true when a live one is left there (as Front and Key).</summary>
    private bool Front(Bucket bucket)
    {
        while (bucket.Queue.TryPeek(out var t, out var key))
        {
            if (_live.TryGetValue(t, out var entry) && entry.Sequence == key.Sequence)
            {
                bucket.Front = t;
                bucket.Key = key;
                return true;
            }
            bucket.Queue.Dequeue();
        }
        bucket.Front = -1;
        return false;
    }

    private int Take(Bucket bucket)
    {
        var t = bucket.Queue.Dequeue();
        _live.Remove(t);
        if (_reservedFor == t)
        {
            _reservedFor = -1;
        }
        return t;
    }

    private readonly record struct Shape(int Cpus, long Memory, int Gpus, long GpuMiB, double GpuFraction, TimeSpan? Runtime);

    private sealed class Bucket(ResourceRequest shape)
    {
        public ResourceRequest Shape { get; } = shape;
        public PriorityQueue<int, (int NegPriority, long Sequence)> Queue { get; } = new();
        public int Front { get; set; } = -1;
        public (int NegPriority, long Sequence) Key { get; set; }
    }
}
