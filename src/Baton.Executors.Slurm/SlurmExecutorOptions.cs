using Baton.Core.Executors;
using Baton.Core.Resources;

namespace Baton.Executors.Slurm;

/// <summary>Settings of the SLURM executor (docs/slurm.md). Every attempt gets the same settings unless an
/// attempt's own <see cref="SlurmSettings"/> is passed.</summary>
public sealed record SlurmExecutorOptions
{
    /// <summary>What each job asks SLURM for, beyond the attempt's resources.</summary>
    public SlurmSettings Job { get; init; } = new();

    /// <summary>How often the executor looks at its jobs: one <c>squeue</c> call (for all of them) per interval.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many <c>sbatch</c> calls per second (a job array is one call).</summary>
    public double SubmissionsPerSecond { get; init; } = 5;

    /// <summary>The most attempts in one job array; null: SLURM's <c>MaxArraySize</c> (from <c>scontrol show config</c>) less one.</summary>
    public int? MaxArraySize { get; init; }

    /// <summary>
    /// How long a job may be gone from <c>squeue</c> (or ended there) without an <c>exit.json</c> before the attempt
    /// is lost (or classified from SLURM's state): time for a shared file system to show the record.
    /// </summary>
    public TimeSpan RecordGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On a cluster with accounting (<c>AccountingStorageType</c> other than none), how long an ended attempt waits
    /// for <c>sacct</c> to show its usage (elapsed and CPU time, MaxRSS) before it ends without usage figures.
    /// </summary>
    public TimeSpan UsageWaitPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an attempt over its runtime limit gets between SIGTERM and SIGKILL (the job script enforces the limit).</summary>
    public TimeSpan KillGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Cancel the jobs still watched when the executor is disposed (default: leave them for a later run to re-attach).</summary>
    public bool CancelJobsOnDispose { get; init; }

    /// <summary>The SLURM job name of every job: <c>scancel --name</c> finds them all.</summary>
    public string JobName { get; init; } = "baton";

    /// <summary>
    /// Settings for one attempt (a template's or workflow's <c>slurm:</c> block) over <see cref="Job"/>; null or
    /// returning null: <see cref="Job"/> alone.
    /// </summary>
    public Func<AttemptRequest, SlurmSettings?>? JobSettingsFor { get; init; }

    /// <summary>The SLURM commands; a name is looked up on PATH. Tests point them at wrappers that count calls.</summary>
    public SlurmCommandPaths Commands { get; init; } = new();

    /// <summary>The directories searched for a program given by bare name (PATH syntax). Null: this process's PATH.
    /// The nodes are assumed to see the same files (a shared file system).</summary>
    public string? SearchPath { get; init; }
}

/// <summary>Paths (or names on PATH) of the SLURM commands the executor runs.</summary>
public sealed record SlurmCommandPaths(
    string Sbatch = "sbatch",
    string Squeue = "squeue",
    string Scancel = "scancel",
    string Scontrol = "scontrol",
    string Sacct = "sacct")
{
    /// <summary>The five commands in one folder (a SLURM installed elsewhere, or wrappers that log each call).</summary>
    public static SlurmCommandPaths InDirectory(string directory) => new(
        Path.Join(directory, "sbatch"), Path.Join(directory, "squeue"), Path.Join(directory, "scancel"), Path.Join(directory, "scontrol"),
        Path.Join(directory, "sacct"));
}
