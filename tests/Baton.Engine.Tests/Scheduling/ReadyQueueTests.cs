using Baton.Core.Resources;
using Baton.Engine.Scheduling;

namespace Baton.Engine.Tests.Scheduling;

public sealed class ReadyQueueTests
{
    private static readonly ResourceRequest One = new(1, 0, null);
    private static readonly ResourceRequest Four = new(4, 0, null);

    [Fact]
    public void Dequeues_by_priority_then_in_the_order_tasks_became_ready()
    {
        var queue = new ReadyQueue();
        var pool = new ResourcePool(new ResourceCapacity(8, 0));
        queue.Enqueue(1, One, 0);
        queue.Enqueue(2, One, 5);
        queue.Enqueue(3, One, 0);
        queue.Enqueue(4, One, 5);

        var order = new List<int>();
        while (queue.TryDequeueFitting(pool, out var t))
        {
            order.Add(t);
        }
        Assert.Equal([2, 4, 1, 3], order);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_task_that_does_not_fit_now_does_not_block_smaller_ones()
    {
        var queue = new ReadyQueue();
        var pool = new ResourcePool(new ResourceCapacity(4, 0));
        pool.Take(new ResourceRequest(2, 0, null));
        queue.Enqueue(1, Four, 10);
        queue.Enqueue(2, One, 0);

        Assert.True(queue.TryDequeueFitting(pool, out var t));
        Assert.Equal(2, t);
        Assert.False(queue.TryDequeueFitting(pool, out _));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Memory_counts_as_well_as_cores()
    {
        var queue = new ReadyQueue();
        var pool = new ResourcePool(new ResourceCapacity(8, 1000));
        queue.Enqueue(1, new ResourceRequest(1, 800, null), 0);
        queue.Enqueue(2, new ResourceRequest(1, 800, null), 0);

        Assert.True(queue.TryDequeueFitting(pool, out var first));
        pool.Take(new ResourceRequest(1, 800, null));
        Assert.False(queue.TryDequeueFitting(pool, out _));
        Assert.Equal(1, first);
    }
}
