using Baton.Core.Gpus;

namespace Baton.Core.Resources;

/// <summary>
/// What one attempt of a task needs: cores, memory (bytes; 0 = none declared, nothing reserved), a runtime
/// limit (null = none) and GPUs. Not part of a task's identity.
/// </summary>
public sealed record ResourceRequest(int Cpus, long MemoryBytes, TimeSpan? Runtime)
{
    /// <summary>GPU devices and memory per device; none by default.</summary>
    public GpuRequest Gpus { get; init; } = GpuRequest.None;

    /// <summary>One core, no memory reservation, no runtime limit.</summary>
    public static ResourceRequest Default { get; } = new(1, 0, null);

    public override string ToString() =>
        $"cpus={Cpus} memory={ResourceParser.FormatMemory(MemoryBytes)} runtime={ResourceParser.FormatRuntime(Runtime)}"
        + (Gpus.IsNone ? "" : $" gpus={Gpus}");
}

/// <summary>What a machine (or the part of it Baton may use) offers.</summary>
public sealed record ResourceCapacity(int Cpus, long MemoryBytes)
{
    public bool CanEverFit(ResourceRequest request) =>
        request.Cpus <= Cpus && request.MemoryBytes <= MemoryBytes;
}
