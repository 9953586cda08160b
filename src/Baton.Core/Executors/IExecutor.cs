using Baton.Core.Lifecycle;
using Baton.Core.Resources;

namespace Baton.Core.Executors;

/// <summary>
/// Where attempts run (<c>local</c>, <c>slurm</c>). Every executor passes the executor contract test suite.
/// An executor writes each attempt's stdout, stderr and <c>exit.json</c> into the attempt directory.
/// </summary>
public interface IExecutor : IAsyncDisposable
{
    /// <summary>The name users see: <c>local</c>, <c>slurm</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Starts an attempt and returns once it is handed over (for <c>local</c>: the process runs).
    /// Throws <see cref="ExecutorStartException"/> when it cannot start (a missing program, an unwritable
    /// directory): that is the attempt's <see cref="AttemptOutcome.ExecutorFailed"/> outcome, not a crash.
    /// </summary>
    ValueTask<IAttemptHandle> StartAsync(AttemptRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Finds an attempt that an earlier orchestrator started (before a crash or a detach) from what the store
    /// recorded of it. The handle's Completion reports how it ended: at once when it has already ended (its
    /// exit.json decides), when it ends if it still runs, or Lost when it is gone without a record.
    /// </summary>
    ValueTask<IAttemptHandle> ReattachAsync(AttemptRecord attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Starts several attempts that are ready at the same time. An executor that queues work elsewhere submits
    /// them together (SLURM: one job array instead of one <c>sbatch</c> per attempt); one attempt that cannot
    /// start does not stop the others. The answer has one entry per request, in order: a handle, or the
    /// <see cref="ExecutorStartException"/> (or I/O error) that <see cref="StartAsync"/> would have thrown.
    /// By default the attempts are started one by one.
    /// </summary>
    async ValueTask<IReadOnlyList<AttemptStart>> StartManyAsync(IReadOnlyList<AttemptRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var starts = new AttemptStart[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            try
            {
                starts[i] = new AttemptStart(await StartAsync(requests[i], cancellationToken).ConfigureAwait(false), null);
            }
            catch (Exception e) when (e is ExecutorStartException or IOException or UnauthorizedAccessException)
            {
                starts[i] = new AttemptStart(null, e);
            }
        }
        return starts;
    }
}

/// <summary>What the store recorded of a started attempt: enough for its executor to find it again.</summary>
public sealed record AttemptRecord(
    string TaskName,
    int Attempt,
    string ExecutorId,
    string Host,
    int? ProcessId,
    DateTimeOffset StartedAt,
    string WorkingDirectory,
    string AttemptDirectory,
    ResourceRequest Resources);

/// <summary>One answer of <see cref="IExecutor.StartManyAsync"/>: the handle, or why the attempt did not start.</summary>
public readonly record struct AttemptStart(IAttemptHandle? Handle, Exception? Error);

/// <summary>Everything an executor needs to run one attempt.</summary>
/// <param name="TaskName">For logs and error messages.</param>
/// <param name="Attempt">The attempt number, from 1.</param>
/// <param name="Argv">The program and its arguments, each passed as exactly one argument.</param>
/// <param name="WorkingDirectory">The task directory.</param>
/// <param name="AttemptDirectory">Where stdout, stderr and exit.json go; the executor creates it.</param>
/// <param name="Resources">Cores, memory and the runtime limit the executor enforces.</param>
public sealed record AttemptRequest(
    string TaskName,
    int Attempt,
    IReadOnlyList<string> Argv,
    string WorkingDirectory,
    string AttemptDirectory,
    ResourceRequest Resources)
{
    /// <summary>
    /// Variables the program gets on top of the environment it would inherit (a variable named here replaces an
    /// inherited one): the devices allocated to it, for example. Names are non-empty and hold no <c>=</c>; neither
    /// names nor values hold NUL. Besides these, every executor sets <see cref="AttemptVariables.Deadline"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = EmptyEnvironment;

    private static readonly IReadOnlyDictionary<string, string> EmptyEnvironment = new Dictionary<string, string>();
}

/// <summary>A started attempt.</summary>
public interface IAttemptHandle
{
    /// <summary>The executor's id for it: a pid for <c>local</c>, a job id for <c>slurm</c>.</summary>
    string ExecutorId { get; }

    /// <summary>The host it runs on.</summary>
    string Host { get; }

    /// <summary>The process id, where the executor knows one.</summary>
    int? ProcessId { get; }

    /// <summary>When the attempt started, as the executor saw it.</summary>
    DateTimeOffset StartedAt { get; }

    /// <summary>
    /// Completes when the attempt's program runs (or has already ended). Until then the attempt is only queued
    /// (<c>Submitted</c>): for <c>slurm</c> the job is pending. Executors that start programs at once leave it
    /// completed. Never faults.
    /// </summary>
    Task Running => Task.CompletedTask;

    /// <summary>Completes when the attempt has ended and its exit.json is written. Never faults.</summary>
    Task<AttemptResult> Completion { get; }

    /// <summary>Kills the attempt's whole process tree; <see cref="Completion"/> then ends <see cref="AttemptOutcome.Killed"/>.</summary>
    ValueTask KillAsync(CancellationToken cancellationToken);
}

/// <summary>How an attempt ended: what exit.json records.</summary>
public sealed record AttemptResult(
    AttemptOutcome Outcome,
    int? ExitCode,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    string? Message = null)
{
    public TimeSpan Duration => EndedAt - StartedAt;

    /// <summary>What the attempt used, when the executor could measure it (not for attempts that never started).</summary>
    public AttemptUsage? Usage { get; init; }

    /// <summary>False when another attempt cannot end otherwise (a program that does not exist): the task fails at once.</summary>
    public bool Retryable { get; init; } = true;
}

/// <summary>The executor could not start an attempt; the message says what and where, in one line.</summary>
public sealed class ExecutorStartException : Exception
{
    public ExecutorStartException(string message) : base(message) { }

    public ExecutorStartException(string message, bool permanent) : base(message) => Permanent = permanent;

    /// <summary>Starting again cannot succeed (the program does not exist or is not executable): no retry.</summary>
    public bool Permanent { get; }

    public ExecutorStartException(string message, Exception inner) : base(message, inner) { }

    public ExecutorStartException() { }
}
