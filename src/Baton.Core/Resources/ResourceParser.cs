using System.Globalization;
using System.Text.RegularExpressions;

namespace Baton.Core.Resources;

/// <summary>
/// Parses resource values as users write them: memory as <c>512M</c>, <c>4G</c>, <c>1.5GiB</c> or bytes;
/// runtime as seconds, <c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c> or <c>HH:MM:SS</c>.
/// Units are binary (1K = 1024 bytes), as on SLURM.
/// </summary>
public static partial class ResourceParser
{
    [GeneratedRegex(@"^\s*(?<n>\d+(\.\d+)?)\s*(?<u>[kmgtp]?)(i?b)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    /// <summary>Parses a memory amount; returns false with a reason when it is not one.</summary>
    public static bool TryParseMemory(string text, out long bytes, out string error)
    {
        bytes = 0;
        var match = MemoryPattern().Match(text);
        if (!match.Success)
        {
            error = $"memory '{text}' is not an amount such as 512M, 4G or 1073741824";
            return false;
        }
        var number = decimal.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var shift = char.ToUpperInvariant(match.Groups["u"].Value.FirstOrDefault()) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            'P' => 50,
            _ => 0,
        };
        var value = number * (1L << shift);
        if (value > long.MaxValue / 2)
        {
            error = $"memory '{text}' is too large";
            return false;
        }
        bytes = (long)Math.Ceiling(value);
        error = "";
        return true;
    }

    /// <summary>Parses a runtime limit; returns false with a reason when it is not one.</summary>
    public static bool TryParseRuntime(string text, out TimeSpan runtime, out string error)
    {
        runtime = default;
        error = $"runtime '{text}' is not a duration such as 90, 90s, 5m, 1h30m, 2d or 01:30:00";
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return false;
        }
        if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            runtime = TimeSpan.FromSeconds(seconds);
        }
        else if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            var parts = trimmed.Split(':');
            if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || !p.All(char.IsAsciiDigit)))
            {
                return false;
            }
            var numbers = parts.Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            var total = parts.Length == 3
                ? numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
                : numbers[0] * 60 + numbers[1];
            runtime = TimeSpan.FromSeconds(total);
        }
        else
        {
            var match = DurationPattern().Match(trimmed);
            if (!match.Success)
            {
                return false;
            }
            long Part(string name) => match.Groups[name].Success ? long.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
            runtime = TimeSpan.FromSeconds(Part("d") * 86400 + Part("h") * 3600 + Part("m") * 60 + Part("s"));
        }
        if (runtime <= TimeSpan.Zero)
        {
            error = $"runtime '{text}' must be positive";
            return false;
        }
        error = "";
        return true;
    }

    public static string FormatMemory(long bytes)
    {
        if (bytes == 0)
        {
            return "-";
        }
        string[] units = ["B", "K", "M", "G", "T"];
        var unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < units.Length - 1 && value % 1024 == 0)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString("0.##", CultureInfo.InvariantCulture) + units[unit];
    }

    public static string FormatRuntime(TimeSpan? runtime)
    {
        if (runtime is not { } r)
        {
            return "-";
        }
        return r.TotalHours >= 1
            ? $"{(int)r.TotalHours}h{r.Minutes:00}m{r.Seconds:00}s"
            : r.TotalMinutes >= 1 ? $"{r.Minutes}m{r.Seconds:00}s" : $"{r.TotalSeconds:0.#}s";
    }
}
