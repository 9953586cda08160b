using Baton.Core.Gpus;
using Baton.Core.Resources;
using Baton.Engine.Scheduling;
using static Baton.Engine.Tests.Scheduling.GpuFixtures;

namespace Baton.Engine.Tests.Scheduling;

public sealed class GpuPoolTests
{
    private static readonly ResourceCapacity Cpus = new(64, 0);

    [Fact]
    public void Exactly_the_requested_number_of_devices_each_with_the_memory_free()
    {
        var pool = new ResourcePool(Cpus, Devices(24000, 24000, 24000), DeclaredGpuMemory.None);
        var a = pool.Take(Gpus(2, 20000));
        Assert.Equal(2, a.Gpus.Count);
        Assert.All(a.Gpus, g => Assert.Equal(20000, g.MiB));
        // One device has 24000 free, the other two 4000: two devices of 10000 do not fit, one does.
        Assert.False(pool.Fits(Gpus(2, 10000)));
        Assert.True(pool.Fits(Gpus(1, 10000)));
        Assert.True(pool.Fits(Gpus(3, 4000)));
        pool.Release(a);
        Assert.True(pool.Fits(Gpus(3, 24000)));
    }

    [Fact]
    public void A_pool_whose_executor_places_GPUs_holds_back_only_cores_and_memory()
    {
        var pool = ResourcePool.WithGpusPlacedByExecutor(new ResourceCapacity(2, 0));
        var first = pool.Take(Gpus(8, 80000));
        Assert.Empty(first.Gpus);
        Assert.True(pool.Fits(Gpus(8, 80000)));
        var second = pool.Take(Gpus(8, 80000));
        Assert.False(pool.Fits(Gpus(1, 1)), "both cores are taken");
        pool.Release(first);
        pool.Release(second);
        Assert.Equal(2, pool.FreeCpus);
    }

    [Fact]
    public void Best_fit_keeps_whole_cards_free_for_large_requests()
    {
        var pool = new ResourcePool(Cpus, Devices(24000, 24000), DeclaredGpuMemory.None);
        var first = pool.Take(Gpus(1, 8000));
        var second = pool.Take(Gpus(1, 8000));
        Assert.Equal(first.Gpus[0].Device, second.Gpus[0].Device);
        Assert.True(pool.Fits(Gpus(1, 24000)));
    }

    [Fact]
    public void Memory_used_by_other_processes_is_not_free()
    {
        var used = new Dictionary<int, long> { [0] = 20000 };
        var pool = new ResourcePool(Cpus, Devices(24000, 24000), new DeclaredGpuMemory(used));
        Assert.False(pool.Fits(Gpus(2, 8000)));
        var one = pool.Take(Gpus(1, 8000));
        Assert.Equal(1, Assert.Single(one.Gpus).Device.Index);
        used[0] = 0;
        Assert.True(pool.Fits(Gpus(1, 24000)));
    }

    [Fact]
    public void A_share_reserves_that_part_of_each_device()
    {
        var pool = new ResourcePool(Cpus, Devices(10000, 40000), DeclaredGpuMemory.None);
        var half = new ResourceRequest(1, 0, null) with { Gpus = new GpuRequest(2, 0, 0.5) };
        var a = pool.Take(half);
        Assert.Equal([5000L, 20000L], a.Gpus.Select(g => g.MiB));
        pool.Take(half);
        Assert.False(pool.Fits(half));
        Assert.Equal([10000L, 40000L], pool.GpuUsage().Select(u => u.ReservedMiB));
    }

    [Fact]
    public void Releasing_gives_back_every_device_and_refuses_to_give_back_twice()
    {
        var pool = new ResourcePool(Cpus, Devices(24000, 24000), DeclaredGpuMemory.None);
        var a = pool.Take(Gpus(2, 24000));
        pool.Release(a);
        Assert.All(pool.GpuUsage(), u => Assert.Equal(0, u.ReservedMiB));
        Assert.Throws<InvalidOperationException>(() => pool.Release(a));
        Assert.Throws<InvalidOperationException>(() => pool.Release(Gpus(1, 1)));
    }

    [Fact]
    public void A_reservation_sets_aside_the_devices_closest_to_having_the_memory_free()
    {
        var pool = new ResourcePool(Cpus, Devices(24000, 24000, 24000), DeclaredGpuMemory.None);
        pool.Take(Gpus(1, 20000));
        pool.Take(Gpus(1, 10000));
        var big = Gpus(2, 20000);
        Assert.False(pool.Fits(big));
        var reservation = pool.Reserve(big);
        // Devices 2 (all free) and 1 (14000 free) are reserved; device 0 (4000 free) is not.
        Assert.Equal([0L, 20000L, 20000L], reservation.GpuMiB);
        Assert.True(pool.Fits(Gpus(1, 4000), reservation));
        Assert.False(pool.Fits(Gpus(1, 5000), reservation));
        Assert.True(pool.Fits(Gpus(1, 5000)));
    }
}
