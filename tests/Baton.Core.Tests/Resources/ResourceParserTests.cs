using Baton.Core.Resources;

namespace Baton.Core.Tests.Resources;

public sealed class ResourceParserTests
{
    [Theory]
    [InlineData("512M", 512L << 20)]
    [InlineData("4G", 4L << 30)]
    [InlineData("4g", 4L << 30)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("2KB", 2048)]
    [InlineData("1k", 1024)]
    [InlineData("1T", 1L << 40)]
    [InlineData("1P", 1L << 50)]
    [InlineData("1073741824", 1L << 30)]
    [InlineData(" 8 G ", 8L << 30)]
    [InlineData("0", 0)]
    [InlineData("0.5", 1)]
    [InlineData("100b", 100)]
    public void Memory_amounts_parse_in_binary_units(string text, long expected)
    {
        Assert.True(ResourceParser.TryParseMemory(text, out var bytes, out var error), error);
        Assert.Equal(expected, bytes);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("-1G")]
    [InlineData("1X")]
    [InlineData("1.G")]
    [InlineData("1e3")]
    [InlineData("1,5G")]
    [InlineData("١٢M")]
    public void Bad_memory_amounts_are_refused_with_the_reason(string text)
    {
        Assert.False(ResourceParser.TryParseMemory(text, out _, out var error));
        Assert.Equal($"memory '{text}' is not an amount such as 512M, 4G or 1073741824", error);
    }

    [Theory]
    [InlineData("9999999999999999999G")]
    [InlineData("99999999999999999999999999999999999P")]
    [InlineData("5000P")]
    public void Huge_memory_amounts_are_too_large_not_an_exception(string text)
    {
        Assert.False(ResourceParser.TryParseMemory(text, out _, out var error));
        Assert.Equal($"memory '{text}' is too large: at most 1024P", error);
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("5m", 300)]
    [InlineData("5M", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("1d2h3m4s", 93784)]
    [InlineData("01:30:00", 5400)]
    [InlineData("1:30", 90)]
    [InlineData(" 5m ", 300)]
    public void Runtimes_parse(string text, long seconds)
    {
        Assert.True(ResourceParser.TryParseRuntime(text, out var runtime, out var error), error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), runtime);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("-5")]
    [InlineData("1.5h")]
    [InlineData("5 m")]
    [InlineData("1:2:3:4")]
    [InlineData("1::2")]
    [InlineData("m5")]
    [InlineData("١٢s")]
    public void Bad_runtimes_are_refused_with_the_reason(string text)
    {
        Assert.False(ResourceParser.TryParseRuntime(text, out _, out var error));
        Assert.Equal($"runtime '{text}' is not a duration such as 90, 90s, 5m, 1h30m, 2d or 01:30:00", error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0s")]
    [InlineData("00:00:00")]
    public void Zero_runtimes_are_refused(string text)
    {
        Assert.False(ResourceParser.TryParseRuntime(text, out _, out var error));
        Assert.Equal($"runtime '{text}' must be positive", error);
    }

    [Theory]
    [InlineData("99999999999999999999")]
    [InlineData("99999999999999999999s")]
    [InlineData("9999999999999999d")]
    [InlineData("106751991167300d")]
    [InlineData("99999999999:00:00")]
    [InlineData("99999999999999999999999999999999999d99999999999999999999999999999999999h")]
    [InlineData("2913000d")]
    [InlineData("366d")]
    [InlineData("8761h")]
    public void Huge_runtimes_are_too_large_not_an_exception(string text)
    {
        Assert.False(ResourceParser.TryParseRuntime(text, out _, out var error));
        Assert.Equal($"runtime '{text}' is too large: at most 365d", error);
    }

    [Fact]
    public void A_runtime_of_a_year_is_the_longest_accepted()
    {
        Assert.True(ResourceParser.TryParseRuntime("365d", out var runtime, out _));
        Assert.Equal(TimeSpan.FromDays(365), runtime);
        // The engine adds a runtime to the current time; the longest must leave a date far from overflowing.
        Assert.True(DateTimeOffset.MaxValue - DateTimeOffset.UtcNow > runtime * 1000);
    }

    [Fact]
    public void A_huge_value_is_quoted_short_with_its_length()
    {
        var text = new string('9', 1_000_000) + "x";
        Assert.False(ResourceParser.TryParseMemory(text, out _, out var error));
        Assert.True(error.Length < 300, error);
        Assert.Contains("(1,000,001 characters)", error);
    }

    [Theory]
    [InlineData(0, "-")]
    [InlineData(1024, "1K")]
    [InlineData(1536, "1536B")]
    [InlineData(512L << 20, "512M")]
    [InlineData(3L << 30, "3G")]
    public void Memory_formats_in_the_largest_exact_unit(long bytes, string expected)
    {
        Assert.Equal(expected, ResourceParser.FormatMemory(bytes));
    }

    [Fact]
    public void Runtime_formats_for_humans()
    {
        Assert.Equal("-", ResourceParser.FormatRuntime(null));
        Assert.Equal("30s", ResourceParser.FormatRuntime(TimeSpan.FromSeconds(30)));
        Assert.Equal("1m30s", ResourceParser.FormatRuntime(TimeSpan.FromSeconds(90)));
        Assert.Equal("2h00m00s", ResourceParser.FormatRuntime(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void Capacity_tells_what_can_ever_fit()
    {
        var capacity = new ResourceCapacity(4, 8L << 30);
        Assert.True(capacity.CanEverFit(new ResourceRequest(4, 8L << 30, null)));
        Assert.False(capacity.CanEverFit(new ResourceRequest(5, 0, null)));
        Assert.False(capacity.CanEverFit(new ResourceRequest(1, 9L << 30, null)));
        Assert.Equal("cpus=1 memory=- runtime=-", ResourceRequest.Default.ToString());
    }
}
