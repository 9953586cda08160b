using System.Globalization;

namespace Baton.Cli.Rendering;

/// <summary>Sizes and durations for people (<c>23.5 GiB</c>, <c>1h 02m</c>); <c>--json</c> prints exact values instead.</summary>
internal static class HumanUnits
{
    public static string Bytes(long bytes) => Core.Resources.ResourceParser.DescribeMemory(bytes);

    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }
        return duration.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalDays}d {duration.Hours:00}h")
            : duration.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours}h {duration.Minutes:00}m")
            : duration.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{duration.Minutes}m {duration.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0}s");
    }
}
