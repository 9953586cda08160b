using Baton.Core.Lifecycle;
using Baton.Engine.Runs;

namespace Baton.Cli.Rendering;

/// <summary>
/// How long a run has left, estimated from the rate at which its tasks have ended since the view started watching:
/// remaining tasks divided by tasks ended per second. Says nothing until a task has ended (no rate yet) or when none
/// is left to run.
/// </summary>
internal sealed class RunEta
{
    private int? _endedAtStart;

    /// <summary>The estimate now, or null when there is none yet.</summary>
    public TimeSpan? Estimate(RunProgress progress, TimeSpan watched)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var ended = Ended(progress);
        _endedAtStart ??= ended;
        var endedSince = ended - _endedAtStart.Value;
        var remaining = progress.Count(TaskState.Waiting) + progress.Count(TaskState.Ready) + progress.Count(TaskState.Submitted)
            + progress.Count(TaskState.Running) + progress.Count(TaskState.Killing);
        if (endedSince <= 0 || remaining == 0 || watched <= TimeSpan.Zero)
        {
            return null;
        }
        return TimeSpan.FromSeconds(remaining * watched.TotalSeconds / endedSince);
    }

    private static int Ended(RunProgress progress) =>
        progress.Count(TaskState.Done) + progress.Count(TaskState.Failed) + progress.Count(TaskState.Killed);
}
