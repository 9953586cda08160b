using Baton.Core.Resources;

namespace Baton.Core.Workflows;

/// <summary>
/// Resources, max attempts and priority as written at one level (defaults, a template or a task). Unset fields
/// fall through to the level below, field by field: task &gt; template &gt; defaults &gt; built-in defaults.
/// </summary>
internal sealed record Settings(int? Cpus, long? MemoryBytes, TimeSpan? Runtime, int? MaxAttempts, int? Priority)
{
    public const int DefaultMaxAttempts = 3;
    public const int DefaultPriority = 0;

    public static Settings None { get; } = new(null, null, null, null, null);

    /// <summary>A <c>slurm:</c> block (workflow or template level); a template's block overrides the workflow's key by key.</summary>
    public SlurmSettings? Slurm { get; init; }

    /// <summary>These settings, with each unset field taken from <paramref name="lower"/>.</summary>
    public Settings Over(Settings lower) => new(
        Cpus ?? lower.Cpus,
        MemoryBytes ?? lower.MemoryBytes,
        Runtime ?? lower.Runtime,
        MaxAttempts ?? lower.MaxAttempts,
        Priority ?? lower.Priority)
    {
        Slurm = Slurm is null ? lower.Slurm : lower.Slurm is null ? Slurm : Slurm.Over(lower.Slurm),
    };

    public ResourceRequest Resources => new(
        Cpus ?? ResourceRequest.Default.Cpus,
        MemoryBytes ?? ResourceRequest.Default.MemoryBytes,
        Runtime ?? ResourceRequest.Default.Runtime);

    public int EffectiveMaxAttempts => MaxAttempts ?? DefaultMaxAttempts;

    public int EffectivePriority => Priority ?? DefaultPriority;
}
