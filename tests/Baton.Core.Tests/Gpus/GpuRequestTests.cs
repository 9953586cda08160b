using Baton.Core.Gpus;

namespace Baton.Core.Tests.Gpus;

public sealed class GpuRequestTests
{
    [Theory]
    [InlineData("20G", 20480, 0)]
    [InlineData("8000M", 8000, 0)]
    [InlineData("1.5GiB", 1536, 0)]
    [InlineData("100K", 1, 0)]
    [InlineData("12000", 12000, 0)]
    [InlineData("0.5", 0, 0.5)]
    [InlineData("1", 0, 1.0)]
    [InlineData("25%", 0, 0.25)]
    [InlineData("100%", 0, 1.0)]
    public void Memory_per_device_is_an_amount_in_MiB_or_a_share_of_the_device(string text, long mib, double fraction)
    {
        Assert.True(GpuRequest.TryParseMemory(text, out var parsedMiB, out var parsedFraction, out var error), error);
        Assert.Equal(mib, parsedMiB);
        Assert.Equal(fraction, parsedFraction, 6);
    }

    [Theory]
    [InlineData("0", "must be a share of the device in (0, 1]")]
    [InlineData("0%", "must be a share")]
    [InlineData("150%", "must be a share")]
    [InlineData("12.5", "is not a whole number of MiB")]
    [InlineData("lots", "is not an amount such as 20G")]
    [InlineData("20G%", "is not an amount")]
    [InlineData("0G", "must be positive")]
    public void Bad_memory_per_device_is_refused_with_a_reason(string text, string reason)
    {
        Assert.False(GpuRequest.TryParseMemory(text, out _, out _, out var error));
        Assert.Contains(reason, error);
        Assert.Contains($"'{text}'", error);
    }

    [Fact]
    public void A_share_reserves_that_part_of_each_device_rounded_up()
    {
        var small = new GpuDevice(0, null, "small", 24576);
        var odd = new GpuDevice(1, null, "odd", 1001);
        var half = new GpuRequest(1, 0, 0.5);
        Assert.Equal(12288, half.MiBOn(small));
        Assert.Equal(501, half.MiBOn(odd));
        Assert.Equal(7000, new GpuRequest(1, 7000, 0).MiBOn(small));
        Assert.Equal(24576, GpuRequest.Whole(2).MiBOn(small));
    }
}
