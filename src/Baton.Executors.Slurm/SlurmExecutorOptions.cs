using Baton.Core.Executors;

namespace Baton.Executors.Slurm;

/// <summary>Settings of the SLURM executor (docs/slurm.md). Every attempt gets the same settings unless an
/// attempt's own <see cref="SlurmJobSettings"/> is passed.</summary>
public sealed record SlurmExecutorOptions
{
    /// <summary>What each job asks SLURM for, beyond the attempt's resources.</summary>
    public SlurmJobSettings Job { get; init; } = new();

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

    /// <summary>How long an attempt over its runtime limit gets between SIGTERM and SIGKILL (the job script enforces the limit).</summary>
    public TimeSpan KillGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Cancel the jobs still watched when the executor is disposed (default: leave them for a later run to re-attach).</summary>
    public bool CancelJobsOnDispose { get; init; }

    /// <summary>The SLURM job name of every job: <c>scancel --name</c> finds them all.</summary>
    public string JobName { get; init; } = "baton";

    /// <summary>
    /// Where job array scripts go (a folder every node can read, e.g. <c>&lt;workspace&gt;/slurm</c>). Null: a
    /// <c>.slurm</c> folder beside the first attempt directory's task folder.
    /// </summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>
    /// Settings for one attempt (a template's or workflow's <c>slurm:</c> block) over <see cref="Job"/>; null or
    /// returning null: <see cref="Job"/> alone.
    /// </summary>
    public Func<AttemptRequest, SlurmJobSettings?>? JobSettingsFor { get; init; }

    /// <summary>The SLURM commands; a name is looked up on PATH. Tests point them at wrappers that count calls.</summary>
    public SlurmCommandPaths Commands { get; init; } = new();

    /// <summary>The directories searched for a program given by bare name (PATH syntax). Null: this process's PATH.
    /// The nodes are assumed to see the same files (a shared file system).</summary>
    public string? SearchPath { get; init; }
}

/// <summary>What every job asks for beyond cores, memory, time and GPUs.</summary>
/// <param name="Partitions">Partitions in order of preference: the first whose limits fit the request is used (jobmon's fallback queues); empty: SLURM's default.</param>
/// <param name="ExtraArguments">More <c>sbatch</c> options, each one argument, e.g. <c>--exclusive</c>.</param>
public sealed record SlurmJobSettings(
    IReadOnlyList<string>? Partitions = null,
    string? Account = null,
    string? Qos = null,
    string? Constraint = null,
    int Gpus = 0,
    IReadOnlyList<string>? ExtraArguments = null)
{
    public IReadOnlyList<string> PartitionList => Partitions ?? [];

    public IReadOnlyList<string> ExtraArgumentList => ExtraArguments ?? [];

    /// <summary>Settings of a narrower scope (a template over a workflow over the workspace): what it sets wins.</summary>
    public SlurmJobSettings Over(SlurmJobSettings wider)
    {
        ArgumentNullException.ThrowIfNull(wider);
        return new SlurmJobSettings(
            PartitionList.Count > 0 ? Partitions : wider.Partitions,
            Account ?? wider.Account,
            Qos ?? wider.Qos,
            Constraint ?? wider.Constraint,
            Gpus > 0 ? Gpus : wider.Gpus,
            [.. wider.ExtraArgumentList, .. ExtraArgumentList]);
    }

    public bool Equals(SlurmJobSettings? other) =>
        other is not null
        && PartitionList.SequenceEqual(other.PartitionList, StringComparer.Ordinal)
        && Account == other.Account && Qos == other.Qos && Constraint == other.Constraint && Gpus == other.Gpus
        && ExtraArgumentList.SequenceEqual(other.ExtraArgumentList, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(string.Join('\0', PartitionList), Account, Qos, Constraint, Gpus, string.Join('\0', ExtraArgumentList));
}

/// <summary>Paths (or names on PATH) of the SLURM commands the executor runs.</summary>
public sealed record SlurmCommandPaths(
    string Sbatch = "sbatch",
    string Squeue = "squeue",
    string Scancel = "scancel",
    string Scontrol = "scontrol");
