using Baton.Core.Resources;

namespace Baton.Core.Retries;

/// <summary>
/// How one resource grows when an attempt failed for lack of it (jobmon's resource scales): by a factor, each
/// retry multiplying by (1 + factor) and rounding up, or through an explicit list of values, one per retry, the
/// last reused once the list runs out.
/// </summary>
/// <param name="Factor">Growth per retry: 0.5 is +50 % (40 → 60 → 90). Positive.</param>
/// <param name="Steps">Explicit values (bytes for memory, seconds for runtime); when not empty, used instead of the factor.</param>
public sealed record ResourceScale(double Factor, IReadOnlyList<double> Steps)
{
    /// <summary>+50 % per retry, jobmon's default.</summary>
    public static ResourceScale Default { get; } = new(0.5, []);

    /// <summary>The value for the <paramref name="retry"/>-th retry (from 1) after <paramref name="current"/>.</summary>
    public double Next(double current, int retry) =>
        Steps.Count > 0 ? Math.Max(current, Steps[Math.Min(retry, Steps.Count) - 1]) : current * (1 + Factor);
}

/// <summary>What a task's retries do beyond <c>max_attempts</c>: resource scaling and exit-code rules.</summary>
public sealed record RetryRules
{
    private const long MiB = 1024 * 1024;

    public static RetryRules Default { get; } = new();

    /// <summary>How memory grows after an attempt ends out of memory.</summary>
    public ResourceScale Memory { get; init; } = ResourceScale.Default;

    /// <summary>How the runtime limit grows after an attempt times out.</summary>
    public ResourceScale Runtime { get; init; } = ResourceScale.Default;

    /// <summary>When set, an attempt that exits with a non-zero code is retried only for these codes.</summary>
    public IReadOnlyList<int>? RetryOnExitCodes { get; init; }

    /// <summary>An attempt that exits with one of these codes is never retried.</summary>
    public IReadOnlyList<int> NoRetryOnExitCodes { get; init; } = [];

    /// <summary>Whether a failed attempt with <paramref name="exitCode"/> may be retried (attempts allowing).</summary>
    public bool MayRetryExitCode(int? exitCode)
    {
        if (exitCode is not { } code)
        {
            return true;
        }
        if (NoRetryOnExitCodes.Contains(code))
        {
            return false;
        }
        return RetryOnExitCodes is null || RetryOnExitCodes.Contains(code);
    }

    /// <summary>Memory for the <paramref name="retry"/>-th retry after running out of memory: rounded up to whole MiB.</summary>
    public long ScaleMemory(long bytes, int retry)
    {
        // Capped at the largest request a file may name, so that many retries never overflow.
        var next = Math.Min(Memory.Next(bytes, retry), ResourceParser.MaxMemoryBytes);
        return (long)Math.Ceiling(next / MiB) * MiB;
    }

    /// <summary>The runtime limit for the <paramref name="retry"/>-th retry after a timeout: rounded up to whole seconds.</summary>
    public TimeSpan ScaleRuntime(TimeSpan runtime, int retry) =>
        TimeSpan.FromSeconds(Math.Min(Math.Ceiling(Math.Round(Runtime.Next(runtime.TotalSeconds, retry), 6)), ResourceParser.MaxRuntime.TotalSeconds));

    /// <summary>The request for a retry after an attempt with <paramref name="current"/> ended with <paramref name="outcome"/>.</summary>
    public ResourceRequest Scale(ResourceRequest current, Lifecycle.AttemptOutcome outcome, int retry)
    {
        ArgumentNullException.ThrowIfNull(current);
        return outcome switch
        {
            Lifecycle.AttemptOutcome.OutOfMemory when current.MemoryBytes > 0 => current with { MemoryBytes = ScaleMemory(current.MemoryBytes, retry) },
            Lifecycle.AttemptOutcome.TimedOut when current.Runtime is { } runtime => current with { Runtime = ScaleRuntime(runtime, retry) },
            _ => current,
        };
    }
}
