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
    // [0-9], not \d: \d also matches non-ASCII digits, which the invariant number parsers then reject with an exception.
    [GeneratedRegex(@"^\s*(?<n>[0-9]+(\.[0-9]+)?)\s*(?<u>[kmgtp]?)(i?b)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^(?:(?<d>[0-9]+)d)?(?:(?<h>[0-9]+)h)?(?:(?<m>[0-9]+)m)?(?:(?<s>[0-9]+)s)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    /// <summary>
    /// The most memory a request may name: 1 EiB, far above any machine, and small enough that scaling it for
    /// retries (<see cref="Retries.RetryRules"/>) never overflows a long.
    /// </summary>
    public const long MaxMemoryBytes = 1L << 60;

    /// <summary>
    /// The longest runtime limit: 365 days. The engine adds runtimes to the current time (deadlines, backfill), so a
    /// limit must stay far inside what a date can hold (<c>2913000d</c> would overflow it); SLURM's own limit is
    /// also finite.
    /// </summary>
    public static readonly TimeSpan MaxRuntime = TimeSpan.FromDays(365);

    private const long MaxRuntimeSeconds = 365L * 86400;

    /// <summary>Parses a memory amount; returns false with a reason when it is not one.</summary>
    public static bool TryParseMemory(string text, out long bytes, out string error)
    {
        bytes = 0;
        var match = MemoryPattern().Match(text);
        if (!match.Success)
        {
            error = $"memory '{Errors.QuotedText.Shorten(text)}' is not an amount such as 512M, 4G or 1073741824";
            return false;
        }
        var shift = char.ToUpperInvariant(match.Groups["u"].Value.FirstOrDefault()) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            'P' => 50,
            _ => 0,
        };
        // Checked before multiplying: a long enough number would overflow decimal itself (a Try method must not throw).
        if (!decimal.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || number > MaxMemoryBytes / (decimal)(1L << shift))
        {
            error = $"memory '{Errors.QuotedText.Shorten(text)}' is too large: at most 1024P";
            return false;
        }
        bytes = (long)Math.Ceiling(number * (1L << shift));
        error = "";
        return true;
    }

    /// <summary>Parses a runtime limit; returns false with a reason when it is not one.</summary>
    public static bool TryParseRuntime(string text, out TimeSpan runtime, out string error)
    {
        runtime = default;
        error = $"runtime '{Errors.QuotedText.Shorten(text)}' is not a duration such as 90, 90s, 5m, 1h30m, 2d or 01:30:00";
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return false;
        }
        // Summed as decimal so that huge values are reported as too large instead of overflowing.
        decimal seconds;
        if (trimmed.All(char.IsAsciiDigit))
        {
            seconds = Number(trimmed);
        }
        else if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            var parts = trimmed.Split(':');
            if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || !p.All(char.IsAsciiDigit)))
            {
                return false;
            }
            var numbers = parts.Select(Number).ToArray();
            seconds = parts.Length == 3
                ? numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
                : numbers[0] * 60 + numbers[1];
        }
        else
        {
            var match = DurationPattern().Match(trimmed);
            if (!match.Success)
            {
                return false;
            }
            decimal Part(string name) => match.Groups[name].Success ? Number(match.Groups[name].Value) : 0;
            seconds = Part("d") * 86400 + Part("h") * 3600 + Part("m") * 60 + Part("s");
        }
        if (seconds > MaxRuntimeSeconds)
        {
            error = $"runtime '{Errors.QuotedText.Shorten(text)}' is too large: at most 365d";
            return false;
        }
        runtime = TimeSpan.FromSeconds((long)seconds);
        if (runtime <= TimeSpan.Zero)
        {
            error = $"runtime '{Errors.QuotedText.Shorten(text)}' must be positive";
            return false;
        }
        error = "";
        return true;
    }

    // ASCII digits only (checked by the callers). Clamped just past the limit, so that any sum of parts stays far
    // inside decimal's range and is still reported as too large.
    private static decimal Number(string digits) =>
        decimal.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= MaxRuntimeSeconds
            ? value
            : MaxRuntimeSeconds + 1;

    /// <summary>
    /// An amount as people read it, rounded (<c>23.5 GiB</c>): for capacities Baton detected, which are rarely round.
    /// <see cref="FormatMemory"/> writes an exact amount as a workflow file would (<c>24683664K</c>).
    /// </summary>
    public static string DescribeMemory(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    /// <summary>An exact amount as a workflow file writes it (<c>16G</c>, <c>24683664K</c>); <c>-</c> for none.</summary>
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

    /// <summary>A measured amount, rounded for people: <c>201.4M</c>, <c>1.2G</c>, <c>900K</c>.</summary>
    public static string FormatMeasuredMemory(long bytes)
    {
        string[] units = ["B", "K", "M", "G", "T"];
        var unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#}{units[unit]}");
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
