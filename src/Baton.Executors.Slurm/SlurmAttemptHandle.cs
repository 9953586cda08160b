using Baton.Core.Executors;
using Baton.Core.Lifecycle;

namespace Baton.Executors.Slurm;

/// <summary>An attempt submitted as a SLURM job (or one element of a job array); the executor's poller ends it.</summary>
public sealed class SlurmAttemptHandle : IAttemptHandle
{
    private readonly SlurmExecutor _executor;
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<AttemptResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal SlurmAttemptHandle(SlurmExecutor executor, string jobId, string taskName, int attempt, string attemptDirectory, DateTimeOffset startedAt)
    {
        _executor = executor;
        ExecutorId = jobId;
        TaskName = taskName;
        Attempt = attempt;
        AttemptDirectory = attemptDirectory;
        StartedAt = startedAt;
    }

    /// <summary>The SLURM job id: <c>123</c>, or <c>123_4</c> for element 4 of job array 123.</summary>
    public string ExecutorId { get; }

    /// <summary>Where it runs is SLURM's choice; the handle names the cluster, not a node.</summary>
    public string Host => "slurm";

    public int? ProcessId => null;

    public DateTimeOffset StartedAt { get; }

    public Task Running => _running.Task;

    public Task<AttemptResult> Completion => _completion.Task;

    internal string TaskName { get; }

    internal int Attempt { get; }

    internal string AttemptDirectory { get; }

    /// <summary>Baton asked SLURM to cancel the job.</summary>
    internal bool KillRequested { get; set; }

    /// <summary>When the poller first saw the job ended in SLURM, or gone from squeue, without an exit.json.</summary>
    internal DateTimeOffset? UnrecordedSince { get; set; }

    /// <summary>How the attempt ended, held back while the poller waits for accounting to show its usage.</summary>
    internal AttemptResult? Ended { get; set; }

    /// <summary>When <see cref="Ended"/> was set.</summary>
    internal DateTimeOffset EndedSeenAt { get; set; }

    internal bool IsCompleted => _completion.Task.IsCompleted;

    public ValueTask KillAsync(CancellationToken cancellationToken) => _executor.CancelAsync(this, cancellationToken);

    internal void SetRunning() => _running.TrySetResult();

    internal void Complete(AttemptResult result)
    {
        _running.TrySetResult();
        _completion.TrySetResult(result);
    }

    internal AttemptOutcome? CompletedOutcome => IsCompleted ? _completion.Task.Result.Outcome : null;

    public override string ToString() => $"attempt {Attempt} of {TaskName} (SLURM job {ExecutorId})";
}
