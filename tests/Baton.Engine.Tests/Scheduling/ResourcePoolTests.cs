using Baton.Core.Resources;
using Baton.Engine.Scheduling;

namespace Baton.Engine.Tests.Scheduling;

public sealed class ResourcePoolTests
{
    [Fact]
    public void Taking_more_than_is_free_is_refused()
    {
        var pool = new ResourcePool(new ResourceCapacity(2, 100));
        pool.Take(new ResourceRequest(2, 50, null));
        Assert.False(pool.Fits(new ResourceRequest(1, 0, null)));
        Assert.Throws<InvalidOperationException>(() => pool.Take(new ResourceRequest(1, 0, null)));
    }

    [Fact]
    public void Released_resources_can_be_taken_again_and_never_exceed_the_capacity()
    {
        var pool = new ResourcePool(new ResourceCapacity(2, 100));
        var request = new ResourceRequest(2, 100, null);
        pool.Take(request);
        pool.Release(request);
        Assert.Equal(2, pool.FreeCpus);
        Assert.Equal(100, pool.FreeMemoryBytes);
        Assert.Throws<InvalidOperationException>(() => pool.Release(request));
    }
}
