namespace Baton.Core.Resources;

/// <summary>
/// What one attempt of a task needs: cores, memory (bytes; 0 = none declared, nothing reserved) and a runtime
/// limit (null = none). Not part of a task's identity.
/// </summary>
public sealed record ResourceRequest(int Cpus, long MemoryBytes, TimeSpan? Runtime)
{
    /// <summary>One core, no memory reservation, no runtime limit.</summary>
    public static ResourceRequest Default { get; } = new(1, 0, null);

    public override string ToString() =>
        $"cpus={Cpus} memory={ResourceParser.FormatMemory(MemoryBytes)} runtime={ResourceParser.FormatRuntime(Runtime)}";
}

/// <summary>What a machine (or the part of it Baton may use) offers.</summary>
public sealed record ResourceCapacity(int Cpus, long MemoryBytes)
{
    public bool CanEverFit(ResourceRequest request) =>
        request.Cpus <= Cpus && request.MemoryBytes <= MemoryBytes;
}
