namespace Baton.Core.Gpus;

/// <summary>
/// Reads, at allocation time, how much memory processes that Baton does not own use on each GPU: that memory is
/// not free for Baton's tasks even though Baton reserved none of it.
/// </summary>
public interface IGpuMemoryProbe
{
    /// <summary>MiB used by others, by device index; a device that is missing uses none.</summary>
    IReadOnlyDictionary<int, long> ForeignMemoryMiB();
}

/// <summary>A fixed answer: none for a declared inventory (nothing to ask), or what a test declares.</summary>
public sealed class DeclaredGpuMemory(IReadOnlyDictionary<int, long> usedMiB) : IGpuMemoryProbe
{
    public static DeclaredGpuMemory None { get; } = new(new Dictionary<int, long>());

    public IReadOnlyDictionary<int, long> ForeignMemoryMiB() => usedMiB;
}
