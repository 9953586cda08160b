namespace Baton.Executors.Local;

/// <summary>Settings of the local executor.</summary>
public sealed class LocalExecutorOptions
{
    /// <summary>
    /// How long a killed attempt's processes get between SIGTERM and SIGKILL: time to flush and clean up.
    /// </summary>
    public TimeSpan KillGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The directories searched for a program given by bare name, in <c>PATH</c> syntax. Null: the
    /// orchestrator's <c>PATH</c> when the executor is created.
    /// </summary>
    public string? SearchPath { get; init; }

    /// <summary>
    /// How often the resident memory of attempts with a memory limit is summed and checked against it. Shorter
    /// catches a fast-growing attempt sooner; each check reads <c>/proc/PID/stat</c> of every process.
    /// </summary>
    public TimeSpan MemoryCheckInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
