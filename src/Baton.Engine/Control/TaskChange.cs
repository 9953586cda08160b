using System.Globalization;
using Baton.Core.Errors;
using Baton.Core.Gpus;
using Baton.Core.Resources;

namespace Baton.Engine.Control;

/// <summary>
/// A change to a task that has not started yet (<c>baton set TASK priority=5 gpus=2</c>): each field that is set
/// replaces the task's current value for the rest of the run. Keys: <c>priority</c>, <c>cpus</c>, <c>memory</c>,
/// <c>gpus</c>, <c>gpu_memory</c>, with values as in a workflow file.
/// </summary>
public sealed record TaskChange(int? Priority, int? Cpus, long? MemoryBytes, int? Gpus, GpuRequest? GpuMemory)
{
    public static readonly IReadOnlyList<string> Keys = ["priority", "cpus", "memory", "gpus", "gpu_memory"];

    /// <summary>Parses <c>key=value</c> words; a bad one is a <see cref="BatonInputException"/> naming it.</summary>
    public static TaskChange Parse(IEnumerable<string> assignments)
    {
        var change = new TaskChange(null, null, null, null, null);
        var any = false;
        foreach (var assignment in assignments)
        {
            var at = assignment.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = at < 0 ? (assignment, "") : (assignment[..at].Trim(), assignment[(at + 1)..].Trim());
            if (at < 0 || value.Length == 0)
            {
                throw new BatonInputException($"'{assignment}' is not KEY=VALUE (keys: {string.Join(", ", Keys)})");
            }
            change = key switch
            {
                "priority" => change with { Priority = Whole(key, value, int.MinValue) },
                "cpus" => change with { Cpus = Whole(key, value, 1) },
                "memory" => change with
                {
                    MemoryBytes = ResourceParser.TryParseMemory(value, out var bytes, out var error) ? bytes : throw new BatonInputException(error),
                },
                "gpus" => change with { Gpus = Whole(key, value, 0) },
                "gpu_memory" => change with
                {
                    GpuMemory = GpuRequest.TryParseMemory(value, out var mib, out var fraction, out var error)
                        ? new GpuRequest(0, mib, fraction)
                        : throw new BatonInputException(error),
                },
                _ => throw new BatonInputException($"'{key}' cannot be set (keys: {string.Join(", ", Keys)})"),
            };
            any = true;
        }
        return any ? change : throw new BatonInputException($"nothing to set: give KEY=VALUE (keys: {string.Join(", ", Keys)})");
    }

    /// <summary>The task's request with this change applied, field by field as in a workflow file.</summary>
    public ResourceRequest Apply(ResourceRequest current)
    {
        var gpus = current.Gpus;
        if (Gpus is 0)
        {
            gpus = GpuRequest.None;
        }
        else if (Gpus is not null || GpuMemory is not null)
        {
            var devices = Gpus ?? (gpus.IsNone ? 1 : gpus.Devices);
            gpus = GpuMemory is { } memory ? memory with { Devices = devices }
                : gpus.IsNone ? GpuRequest.Whole(devices)
                : gpus with { Devices = devices };
        }
        return current with
        {
            Cpus = Cpus ?? current.Cpus,
            MemoryBytes = MemoryBytes ?? current.MemoryBytes,
            Gpus = gpus,
        };
    }

    public override string ToString() => string.Join(" ", new[]
    {
        Priority is { } p ? $"priority={p.ToString(CultureInfo.InvariantCulture)}" : null,
        Cpus is { } c ? $"cpus={c.ToString(CultureInfo.InvariantCulture)}" : null,
        MemoryBytes is { } m ? $"memory={ResourceParser.FormatMemory(m)}" : null,
        Gpus is { } g ? $"gpus={g.ToString(CultureInfo.InvariantCulture)}" : null,
        GpuMemory is { } gm ? $"gpu_memory={gm.DescribeMemory()}" : null,
    }.Where(s => s is not null));

    private static int Whole(string key, string value, int minimum) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= minimum
            ? n
            : throw new BatonInputException(minimum == int.MinValue
                ? $"{key} '{value}' is not a whole number"
                : $"{key} '{value}' is not a whole number of at least {minimum.ToString(CultureInfo.InvariantCulture)}");
}

/// <summary>What a run holds now: for <c>baton resources</c>.</summary>
public sealed record ResourceSnapshot(
    string Workflow,
    int Cpus,
    int FreeCpus,
    long MemoryBytes,
    long FreeMemoryBytes,
    IReadOnlyList<Scheduling.GpuUsage> Gpus,
    int Running,
    int Ready,
    string? ReservedFor);
