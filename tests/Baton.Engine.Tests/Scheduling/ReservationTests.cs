using Baton.Core.Gpus;
using Baton.Core.Resources;
using Baton.Engine.Scheduling;

namespace Baton.Engine.Tests.Scheduling;

/// <summary>Backfill lets small tasks use idle resources; a reservation after a bounded wait keeps a large one from starving.</summary>
public sealed class ReservationTests
{
    private static readonly ResourceRequest Small = new(1, 0, null);
    private static readonly ResourceRequest Large = new(4, 0, null);

    [Fact]
    public void A_large_task_that_waited_long_enough_is_not_passed_by_smaller_ones()
    {
        var clock = new VirtualClock();
        var queue = new ReadyQueue(new SchedulingPolicy(true, TimeSpan.FromMinutes(10)), clock);
        var pool = new ResourcePool(new ResourceCapacity(4, 0));
        var running = pool.Take(Small);
        queue.Enqueue(1, Large, 10);
        queue.Enqueue(2, Small, 0);
        queue.Enqueue(3, Small, 0);

        // Before the wait is over: small tasks backfill.
        Assert.True(queue.TryDequeueFitting(pool, out var t));
        Assert.Equal(2, t);
        pool.Take(Small);

        clock.AdvanceTo(TimeSpan.FromMinutes(10));
        // Now the large task holds a reservation: 2 cores are free but they are set aside for it.
        Assert.False(queue.TryDequeueFitting(pool, out _));
        Assert.Equal(1, queue.ReservedFor);

        pool.Release(running);
        pool.Release(Small);
        Assert.True(queue.TryDequeueFitting(pool, out t));
        Assert.Equal(1, t);
        Assert.Equal(-1, queue.ReservedFor);
    }

    [Fact]
    public void Tasks_that_need_nothing_the_reservation_holds_still_backfill()
    {
        var clock = new VirtualClock();
        var queue = new ReadyQueue(new SchedulingPolicy(true, TimeSpan.Zero), clock);
        var gpus = new GpuInventory([new GpuDevice(0, null, "a", 24000), new GpuDevice(1, null, "b", 24000)], "settings");
        var pool = new ResourcePool(new ResourceCapacity(8, 0), gpus, DeclaredGpuMemory.None);
        var onOne = new ResourceRequest(1, 0, null) with { Gpus = new GpuRequest(1, 20000, 0) };
        pool.Take(onOne);
        queue.Enqueue(1, new ResourceRequest(1, 0, null) with { Gpus = GpuRequest.Whole(2) }, 10);
        queue.Enqueue(2, onOne, 0);
        queue.Enqueue(3, Small, 0);

        // The waiting task holds both devices' memory: the GPU task may not take device 1; the CPU task may run.
        Assert.True(queue.TryDequeueFitting(pool, out var t));
        Assert.Equal(3, t);
        Assert.False(queue.TryDequeueFitting(pool, out _));
        Assert.Equal(1, queue.ReservedFor);
    }

    [Fact]
    public void A_task_sure_to_end_before_the_holder_can_start_uses_what_is_set_aside()
    {
        var clock = new VirtualClock();
        var queue = new ReadyQueue(new SchedulingPolicy(true, TimeSpan.Zero), clock);
        var pool = new ResourcePool(new ResourceCapacity(4, 0));
        // Two cores run until minute 60 at the latest: the large task fits by then.
        pool.Take(new ResourceRequest(2, 0, TimeSpan.FromMinutes(60)), clock.GetUtcNow() + TimeSpan.FromMinutes(60));
        queue.Enqueue(1, Large, 10);
        queue.Enqueue(2, new ResourceRequest(1, 0, TimeSpan.FromMinutes(90)), 5);
        queue.Enqueue(3, Small, 4);
        queue.Enqueue(4, new ResourceRequest(1, 0, TimeSpan.FromMinutes(30)), 0);

        // Task 2 would end after minute 60 and task 3 has no limit: neither may take the set-aside cores. Task 4 may.
        Assert.True(queue.TryDequeueFitting(pool, out var t));
        Assert.Equal(4, t);
        Assert.Equal(1, queue.ReservedFor);
        pool.Take(new ResourceRequest(1, 0, TimeSpan.FromMinutes(30)), clock.GetUtcNow() + TimeSpan.FromMinutes(30));
        Assert.False(queue.TryDequeueFitting(pool, out _));
    }

    [Fact]
    public void Strict_priority_order_lets_nothing_pass_a_task_that_does_not_fit()
    {
        var queue = new ReadyQueue(SchedulingPolicy.Strict);
        var pool = new ResourcePool(new ResourceCapacity(4, 0));
        pool.Take(Small);
        queue.Enqueue(1, Large, 10);
        queue.Enqueue(2, Small, 0);
        Assert.False(queue.TryDequeueFitting(pool, out _));
    }

    [Fact]
    public void A_task_moved_to_another_priority_or_request_is_queued_once_with_the_new_values()
    {
        var queue = new ReadyQueue();
        var pool = new ResourcePool(new ResourceCapacity(2, 0));
        queue.Enqueue(1, Small, 0);
        queue.Enqueue(2, Small, 5);
        queue.Enqueue(1, new ResourceRequest(2, 0, null), 9);
        Assert.Equal(2, queue.Count);

        Assert.True(queue.TryDequeueFitting(pool, out var t));
        Assert.Equal(1, t);
        pool.Take(new ResourceRequest(2, 0, null));
        Assert.False(queue.TryDequeueFitting(pool, out _));
        Assert.True(queue.Remove(2));
        Assert.Equal(0, queue.Count);
        Assert.False(queue.Remove(2));
    }
}
