using System.Globalization;
using Baton.Core.Executors;

namespace Baton.Executors.Slurm;

/// <summary>
/// What SLURM's accounting says each finished job used: one <c>sacct --parsable2</c> answer for many jobs, read into
/// usage per job id (<c>123</c>, or <c>123_4</c> for an array element). A job's line gives its elapsed time and its
/// user and system CPU time (over all its steps); its steps' lines give their MaxRSS, of which the largest is the
/// job's peak. A job still running, or without a step line yet, is left out: accounting has not caught up.
/// </summary>
internal static class SacctUsage
{
    /// <summary>The fields asked for, in order.</summary>
    public const string Format = "JobID,State,ElapsedRaw,UserCPU,SystemCPU,MaxRSS";

    public static Dictionary<string, AttemptUsage> Parse(string output)
    {
        var jobs = new Dictionary<string, (string State, TimeSpan Wall, TimeSpan User, TimeSpan System)>(StringComparer.Ordinal);
        var peaks = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('|');
            if (f.Length < 6)
            {
                continue;
            }
            var dot = f[0].IndexOf('.', StringComparison.Ordinal);
            if (dot >= 0)
            {
                // A step (123.batch, 123_4.0): its MaxRSS; an empty one was never sampled.
                var job = f[0][..dot];
                var rss = TryParseSize(f[5]);
                peaks[job] = peaks.TryGetValue(job, out var known) && known is { } k ? Math.Max(k, rss ?? 0) : rss;
                continue;
            }
            if (TryParseDuration(f[3], out var user) && TryParseDuration(f[4], out var system)
                && long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var elapsed))
            {
                jobs[f[0]] = (f[1].Split(' ', 2)[0], TimeSpan.FromSeconds(elapsed), user, system);
            }
        }
        var usage = new Dictionary<string, AttemptUsage>(StringComparer.Ordinal);
        foreach (var (id, job) in jobs)
        {
            if (SlurmJobState.FinalOutcome(job.State) is null || !peaks.TryGetValue(id, out var peak))
            {
                continue;
            }
            usage[id] = new AttemptUsage(job.Wall, job.User, job.System, peak ?? 0);
        }
        return usage;
    }

    /// <summary>sacct's CPU times: <c>[DD-][HH:]MM:SS[.mmm]</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var days = 0;
        var rest = text.Trim();
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            if (!int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out days))
            {
                return false;
            }
            rest = rest[(dash + 1)..];
        }
        var parts = rest.Split(':');
        if (parts.Length is < 2 or > 3)
        {
            return false;
        }
        double seconds = 0;
        foreach (var part in parts.SkipLast(1))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var whole))
            {
                return false;
            }
            seconds = seconds * 60 + whole;
        }
        if (!double.TryParse(parts[^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var last))
        {
            return false;
        }
        value = TimeSpan.FromDays(days) + TimeSpan.FromSeconds(seconds * 60 + last);
        return true;
    }

    /// <summary>sacct's memory sizes: a number with an optional K, M, G or T suffix (powers of 1024; none: bytes). Null when empty.</summary>
    public static long? TryParseSize(string text)
    {
        var t = text.Trim();
        if (t.Length == 0)
        {
            return null;
        }
        var shift = char.ToUpperInvariant(t[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            _ => 0,
        };
        var number = shift == 0 ? t : t[..^1];
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? (long)(value * (1L << shift))
            : null;
    }
}
