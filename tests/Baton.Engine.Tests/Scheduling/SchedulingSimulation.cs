using Baton.Core.Gpus;
using Baton.Core.Resources;
using Baton.Engine.Scheduling;

namespace Baton.Engine.Tests.Scheduling;

/// <summary>One task of a simulated workload: when it becomes ready, what it asks for, how long it runs.</summary>
internal sealed record SimulatedTask(string Name, TimeSpan Arrival, ResourceRequest Request, int Priority, TimeSpan Duration);

/// <summary>What a simulated run did.</summary>
internal sealed record SimulationResult(
    TimeSpan Makespan,
    TimeSpan GpuIdleWhileWaiting,
    IReadOnlyDictionary<string, TimeSpan> Started,
    int Completed,
    long MostReservedOnOneDeviceMiB);

/// <summary>
/// Drives the real <see cref="ReadyQueue"/> and <see cref="ResourcePool"/> with a virtual clock: tasks arrive, are
/// dispatched exactly as the run loop dispatches them (take every task the queue hands out), and end after their
/// duration. Deterministic, so that policies can be compared figure by figure. Checks at every step that no device's
/// reserved memory exceeds its total.
/// </summary>
internal static class SchedulingSimulation
{
    public static SimulationResult Run(IReadOnlyList<SimulatedTask> tasks, GpuInventory gpus, SchedulingPolicy policy)
    {
        var clock = new VirtualClock();
        var queue = new ReadyQueue(policy, clock);
        var pool = new ResourcePool(new ResourceCapacity(1024, 0), gpus, DeclaredGpuMemory.None);
        var started = new Dictionary<string, TimeSpan>();
        // Ends by time, then by task index: a deterministic order for ends at the same instant.
        var ends = new PriorityQueue<(int Task, Allocation Allocation), (TimeSpan, int)>();
        var arrivals = tasks.Select((t, i) => (t, i)).OrderBy(x => x.t.Arrival).ThenBy(x => x.i).ToList();
        var next = 0;
        var idle = TimeSpan.Zero;
        var completed = 0;
        long mostReserved = 0;
        var now = TimeSpan.Zero;

        while (next < arrivals.Count || ends.Count > 0)
        {
            var nextArrival = next < arrivals.Count ? arrivals[next].t.Arrival : TimeSpan.MaxValue;
            var nextEnd = ends.TryPeek(out _, out var endKey) ? endKey.Item1 : TimeSpan.MaxValue;
            var then = nextArrival < nextEnd ? nextArrival : nextEnd;
            // Between two events nothing changes: a device with nothing on it while tasks wait is idle all along.
            if (queue.Count > 0)
            {
                idle += (then - now) * pool.GpuUsage().Count(u => u.Attempts == 0);
            }
            now = then;
            clock.AdvanceTo(now);
            while (ends.TryPeek(out _, out var key) && key.Item1 == now)
            {
                var (_, allocation) = ends.Dequeue();
                pool.Release(allocation);
                completed++;
            }
            while (next < arrivals.Count && arrivals[next].t.Arrival == now)
            {
                var (task, index) = arrivals[next++];
                queue.Enqueue(index, task.Request, task.Priority);
            }
            while (queue.TryDequeueFitting(pool, out var t))
            {
                var allocation = pool.Take(tasks[t].Request, clock.GetUtcNow() + tasks[t].Request.Runtime);
                started[tasks[t].Name] = now;
                ends.Enqueue((t, allocation), (now + tasks[t].Duration, t));
                foreach (var usage in pool.GpuUsage())
                {
                    Assert.True(usage.ReservedMiB <= usage.Device.TotalMiB, $"device {usage.Device.Index} over-committed at {now}");
                    mostReserved = Math.Max(mostReserved, usage.ReservedMiB);
                }
            }
        }
        Assert.Equal(0, queue.Count);
        return new SimulationResult(now, idle, started, completed, mostReserved);
    }
}
