using Baton.Core.Gpus;
using Baton.Core.Resources;
using Baton.Core.Retries;

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

    /// <summary>GPU devices (<c>resources.gpus</c>); 0 for none.</summary>
    public int? Gpus { get; init; }

    /// <summary>Memory per GPU (<c>resources.gpu_memory</c>): MiB or a fraction; its device count is not used.</summary>
    public GpuRequest? GpuMemory { get; init; }
    public ResourceScale? MemoryScale { get; init; }

    public ResourceScale? RuntimeScale { get; init; }

    public IReadOnlyList<int>? RetryOnExitCodes { get; init; }

    public IReadOnlyList<int>? NoRetryOnExitCodes { get; init; }

    public IReadOnlyDictionary<string, int>? Tokens { get; init; }

    /// <summary>A <c>slurm:</c> block (workflow or template level); a template's block overrides the workflow's key by key.</summary>
    public SlurmSettings? Slurm { get; init; }

    /// <summary>Task hooks (<c>on_start</c>, <c>on_success</c>, <c>on_failure</c>, <c>on_end</c>), each falling through on its own.</summary>
    public TaskHookDeclarations? Hooks { get; init; }

    /// <summary>These settings, with each unset field taken from <paramref name="lower"/>.</summary>
    public Settings Over(Settings lower) => new(
        Cpus ?? lower.Cpus,
        MemoryBytes ?? lower.MemoryBytes,
        Runtime ?? lower.Runtime,
        MaxAttempts ?? lower.MaxAttempts,
        Priority ?? lower.Priority)
    {
        Gpus = Gpus ?? lower.Gpus,
        GpuMemory = GpuMemory ?? lower.GpuMemory,
        MemoryScale = MemoryScale ?? lower.MemoryScale,
        RuntimeScale = RuntimeScale ?? lower.RuntimeScale,
        RetryOnExitCodes = RetryOnExitCodes ?? lower.RetryOnExitCodes,
        NoRetryOnExitCodes = NoRetryOnExitCodes ?? lower.NoRetryOnExitCodes,
        Tokens = Tokens ?? lower.Tokens,
        Slurm = Slurm is null ? lower.Slurm : lower.Slurm is null ? Slurm : Slurm.Over(lower.Slurm),
        Hooks = Hooks is null ? lower.Hooks : lower.Hooks is null ? Hooks : Hooks.Over(lower.Hooks),
    };

    public RetryRules Retry => MemoryScale is null && RuntimeScale is null && RetryOnExitCodes is null && NoRetryOnExitCodes is null
        ? RetryRules.Default
        : new RetryRules
        {
            Memory = MemoryScale ?? ResourceScale.Default,
            Runtime = RuntimeScale ?? ResourceScale.Default,
            RetryOnExitCodes = RetryOnExitCodes,
            NoRetryOnExitCodes = NoRetryOnExitCodes ?? [],
        };

    public IReadOnlyDictionary<string, int> EffectiveTokens => Tokens ?? new Dictionary<string, int>();

    public ResourceRequest Resources => new(
        Cpus ?? ResourceRequest.Default.Cpus,
        MemoryBytes ?? ResourceRequest.Default.MemoryBytes,
        Runtime ?? ResourceRequest.Default.Runtime)
    {
        Gpus = GpuRequestOf(Gpus, GpuMemory),
    };

    // gpu_memory alone means one device; gpus alone means whole devices, so that a task has its cards to itself.
    private static GpuRequest GpuRequestOf(int? devices, GpuRequest? memory) => (devices, memory) switch
    {
        (0, _) or (null, null) => GpuRequest.None,
        (null, { } m) => m with { Devices = 1 },
        ({ } n, null) => GpuRequest.Whole(n),
        ({ } n, { } m) => m with { Devices = n },
    };

    public int EffectiveMaxAttempts => MaxAttempts ?? DefaultMaxAttempts;

    public int EffectivePriority => Priority ?? DefaultPriority;
}
