using Baton.Core.Resources;

namespace Baton.Executors.Slurm;

/// <summary>
/// An attempt an earlier orchestrator started, as its store recorded it: what <see cref="SlurmExecutor.ReattachAsync"/>
/// needs. Temporary: the same shape as <c>Baton.Core.Executors.AttemptRecord</c>, which the crash-safety work adds
/// to the executor interface; at merge this file goes and the executor takes that type.
/// </summary>
public sealed record SlurmAttemptRecord(
    string TaskName, int Attempt, string ExecutorId, string Host, int? ProcessId,
    DateTimeOffset StartedAt, string WorkingDirectory, string AttemptDirectory, ResourceRequest Resources);
