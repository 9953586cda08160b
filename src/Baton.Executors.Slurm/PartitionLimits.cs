using System.Globalization;
using Baton.Core.Resources;

namespace Baton.Executors.Slurm;

/// <summary>
/// The limits of each partition (<c>scontrol show partition --oneliner</c>), for jobmon's fallback queues: the first
/// partition of a task's list whose limits fit its (perhaps raised) request is used.
/// </summary>
internal sealed class PartitionLimits
{
    private readonly Dictionary<string, (TimeSpan? MaxTime, long? MaxMemoryMb, int? MaxCpus)> _limits;

    private PartitionLimits(Dictionary<string, (TimeSpan?, long?, int?)> limits) => _limits = limits;

    public static async Task<PartitionLimits> ReadAsync(SlurmCommands commands, CancellationToken cancellationToken)
    {
        var result = await commands.ScontrolAsync(["show", "partition", "--oneliner"], cancellationToken).ConfigureAwait(false);
        return Parse(result.Succeeded ? result.Stdout : "");
    }

    public static PartitionLimits Parse(string text)
    {
        var limits = new Dictionary<string, (TimeSpan?, long?, int?)>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('=', 2))
                .Where(f => f.Length == 2)
                .GroupBy(f => f[0], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            if (!fields.TryGetValue("PartitionName", out var name))
            {
                continue;
            }
            limits[name] = (
                fields.TryGetValue("MaxTime", out var time) ? ParseTime(time) : null,
                fields.TryGetValue("MaxMemPerNode", out var mem) && long.TryParse(mem, CultureInfo.InvariantCulture, out var mb) ? mb : null,
                fields.TryGetValue("MaxCPUsPerNode", out var cpus) && int.TryParse(cpus, CultureInfo.InvariantCulture, out var c) ? c : null);
        }
        return new PartitionLimits(limits);
    }

    /// <summary>Whether the request fits the partition; an unknown partition fits (SLURM decides).</summary>
    public bool Fits(string partition, ResourceRequest request, TimeSpan killGrace)
    {
        if (!_limits.TryGetValue(partition, out var limit))
        {
            return true;
        }
        if (limit.MaxTime is { } maxTime && request.Runtime is { } runtime
            && TimeSpan.FromMinutes(JobScript.TimeLimitMinutes(runtime, killGrace)) > maxTime)
        {
            return false;
        }
        if (limit.MaxMemoryMb is { } maxMb && (request.MemoryBytes + (1 << 20) - 1) >> 20 > maxMb)
        {
            return false;
        }
        return limit.MaxCpus is not { } maxCpus || request.Cpus <= maxCpus;
    }

    /// <summary>SLURM's time syntax: <c>UNLIMITED</c>, <c>M</c>, <c>M:S</c>, <c>H:M:S</c>, <c>D-H</c>, <c>D-H:M</c>, <c>D-H:M:S</c>.</summary>
    internal static TimeSpan? ParseTime(string value)
    {
        if (value is "UNLIMITED" or "INFINITE" or "NONE")
        {
            return null;
        }
        var days = 0;
        var rest = value;
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            if (!int.TryParse(value[..dash], CultureInfo.InvariantCulture, out days))
            {
                return null;
            }
            rest = value[(dash + 1)..];
        }
        var parts = rest.Split(':');
        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }
        var (h, m, s) = dash > 0
            ? (numbers[0], numbers.Length > 1 ? numbers[1] : 0, numbers.Length > 2 ? numbers[2] : 0)
            : numbers.Length switch
            {
                1 => (0, numbers[0], 0),
                2 => (0, numbers[0], numbers[1]),
                _ => (numbers[0], numbers[1], numbers[2]),
            };
        return new TimeSpan(days, h, m, s);
    }
}
