using Baton.Core.Resources;

namespace Baton.Executors.Slurm.Tests;

/// <summary>jobmon's fallback queues: the first partition whose limits fit the (perhaps raised) request.</summary>
public sealed class PartitionLimitsTests
{
    private const string Partitions =
        "PartitionName=short AllowGroups=ALL MaxTime=01:00:00 MaxMemPerNode=4000 MaxCPUsPerNode=4 State=UP\n" +
        "PartitionName=long AllowGroups=ALL MaxTime=2-00:00:00 MaxMemPerNode=UNLIMITED MaxCPUsPerNode=UNLIMITED State=UP\n";

    [Theory]
    [InlineData("UNLIMITED", null)]
    [InlineData("30", "00:30:00")]
    [InlineData("30:15", "00:30:15")]
    [InlineData("01:02:03", "01:02:03")]
    [InlineData("2-00:00:00", "2.00:00:00")]
    [InlineData("1-12", "1.12:00:00")]
    public void SLURM_time_limits_parse(string text, string? expected)
    {
        Assert.Equal(expected is null ? null : TimeSpan.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), PartitionLimits.ParseTime(text));
    }

    [Fact]
    public void A_request_over_a_partitions_memory_time_or_cpus_does_not_fit_it_and_the_next_one_is_used()
    {
        var limits = PartitionLimits.Parse(Partitions);
        var grace = TimeSpan.FromSeconds(5);

        Assert.True(limits.Fits("short", new ResourceRequest(2, 2000L << 20, TimeSpan.FromMinutes(30)), grace));
        Assert.False(limits.Fits("short", new ResourceRequest(2, 6000L << 20, TimeSpan.FromMinutes(30)), grace));
        Assert.False(limits.Fits("short", new ResourceRequest(8, 0, null), grace));
        Assert.False(limits.Fits("short", new ResourceRequest(1, 0, TimeSpan.FromHours(2)), grace));
        Assert.True(limits.Fits("long", new ResourceRequest(8, 6000L << 20, TimeSpan.FromHours(2)), grace));
        Assert.True(limits.Fits("unknown", new ResourceRequest(64, 0, null), grace));
    }
}
