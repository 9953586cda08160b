namespace Baton.Executors.Slurm.Tests;

/// <summary>Options for tests: a short poll interval and grace periods, a job name of the test's own.</summary>
internal static class SlurmTestOptions
{
    public static string UniqueJobName(string purpose) => "baton-" + purpose + "-" + Guid.NewGuid().ToString("N")[..8];

    public static SlurmExecutorOptions Create(string jobName) => new()
    {
        JobName = jobName,
        PollInterval = TimeSpan.FromMilliseconds(300),
        RecordGracePeriod = TimeSpan.FromSeconds(2),
        KillGracePeriod = TimeSpan.FromSeconds(2),
        SubmissionsPerSecond = 50,
    };
}
