using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;

namespace Baton.Engine.Retry;

/// <summary>
/// Resumable tasks (experimaestro's <c>ResumableTask</c>): a timed-out attempt is retried up to
/// <see cref="TaskSpec.TimeoutRetries"/> times, before and whatever <see cref="RetryPolicy"/> decides, and an exit
/// with the task's <see cref="TaskSpec.TimeoutExitCode"/> (a graceful timeout) counts as a timeout.
/// </summary>
public static class TimeoutRetry
{
    /// <summary>The attempt's result with a graceful-timeout exit read as <see cref="AttemptOutcome.TimedOut"/>.</summary>
    public static AttemptResult Interpret(TaskSpec spec, AttemptResult result)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(result);
        return spec.TimeoutExitCode is { } code && result.Outcome == AttemptOutcome.Failed && result.ExitCode == code
            ? result with { Outcome = AttemptOutcome.TimedOut, Message = result.Message ?? $"graceful timeout (exit code {code})" }
            : result;
    }

    /// <summary>
    /// Whether a timed-out attempt is retried: while the attempts used so far (every earlier one also timed out,
    /// or the task would have ended) are at most <see cref="TaskSpec.TimeoutRetries"/>.
    /// </summary>
    public static bool Retries(TaskSpec spec, AttemptOutcome outcome, int attemptsUsed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return outcome == AttemptOutcome.TimedOut && spec.TimeoutRetries > 0 && attemptsUsed <= spec.TimeoutRetries;
    }
}
