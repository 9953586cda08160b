using Baton.Engine.Control;
using Baton.Engine.Scheduling;

namespace Baton.Cli.Rendering;

/// <summary>
/// What <c>baton resources --json</c> prints: the capacity Baton may use, each GPU with what Baton's attempts reserve
/// and others use, and per active run what it holds now. Exact numbers (bytes, MiB); field names are stable.
/// </summary>
internal sealed record CapacityJson(int Cpus, long MemoryBytes, string? GpuSource, string? GpuProblem, IReadOnlyList<GpuJson> Gpus, IReadOnlyList<ActiveRunJson> Runs);

internal sealed record GpuJson(int Index, string Name, string? Uuid, long TotalMib, long ReservedMib, int Attempts, long UsedByOthersMib, long FreeMib)
{
    public static GpuJson From(GpuUsage g) => new(
        g.Device.Index, g.Device.Name, g.Device.Uuid, g.Device.TotalMiB, g.ReservedMiB, g.Attempts, g.ForeignMiB,
        Math.Max(0, g.Device.TotalMiB - g.ReservedMiB - g.ForeignMiB));
}

internal sealed record ActiveRunJson(string Workflow, int Cpus, int FreeCpus, long MemoryBytes, long FreeMemoryBytes, int Running, int Ready, string? ReservedFor)
{
    public static ActiveRunJson From(ResourceSnapshot s) => new(s.Workflow, s.Cpus, s.FreeCpus, s.MemoryBytes, s.FreeMemoryBytes, s.Running, s.Ready, s.ReservedFor);
}
