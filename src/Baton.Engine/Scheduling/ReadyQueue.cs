using Baton.Core.Resources;

namespace Baton.Engine.Scheduling;

/// <summary>
/// Tasks that are Ready, ordered by priority (higher first) then by the order they became ready.
/// Tasks are kept in one bucket per resource shape (cpus, memory), so finding the best task that fits the free
/// resources costs O(number of shapes), not O(number of ready tasks): a 100,000-task sweep has one or a few shapes.
/// </summary>
public sealed class ReadyQueue
{
    private readonly Dictionary<(int Cpus, long Memory), PriorityQueue<int, (int NegPriority, long Sequence)>> _buckets = [];
    private long _sequence;

    public int Count { get; private set; }

    public void Enqueue(int task, ResourceRequest resources, int priority)
    {
        var key = (resources.Cpus, resources.MemoryBytes);
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = new PriorityQueue<int, (int, long)>();
            _buckets.Add(key, bucket);
        }
        bucket.Enqueue(task, (-priority, _sequence++));
        Count++;
    }

    /// <summary>
    /// Takes the highest-priority task whose resources fit <paramref name="pool"/>'s free resources; false when
    /// none fits. A larger task that does not fit now does not block smaller ones behind it.
    /// </summary>
    public bool TryDequeueFitting(ResourcePool pool, out int task)
    {
        PriorityQueue<int, (int, long)>? best = null;
        (int NegPriority, long Sequence) bestKey = default;
        foreach (var (shape, bucket) in _buckets)
        {
            if (bucket.Count == 0 || shape.Cpus > pool.FreeCpus || shape.Memory > pool.FreeMemoryBytes)
            {
                continue;
            }
            bucket.TryPeek(out _, out var key);
            if (best is null || key.CompareTo(bestKey) < 0)
            {
                best = bucket;
                bestKey = key;
            }
        }
        if (best is null)
        {
            task = -1;
            return false;
        }
        task = best.Dequeue();
        Count--;
        return true;
    }

    /// <summary>Removes every queued task (for example when a run is interrupted) and returns them.</summary>
    public List<int> DrainAll()
    {
        var all = new List<int>(Count);
        foreach (var bucket in _buckets.Values)
        {
            while (bucket.TryDequeue(out var t, out _))
            {
                all.Add(t);
            }
        }
        Count = 0;
        return all;
    }
}
