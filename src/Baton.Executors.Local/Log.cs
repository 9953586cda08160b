using Microsoft.Extensions.Logging;

namespace Baton.Executors.Local;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Started attempt {Attempt} of {TaskName}: pid {ProcessId}, program {Program}")]
    public static partial void AttemptStarted(ILogger logger, string taskName, int attempt, int processId, string program);

    [LoggerMessage(2, LogLevel.Debug, "Attempt {Attempt} of {TaskName} ended {Outcome} (exit code {ExitCode})")]
    public static partial void AttemptEnded(ILogger logger, string taskName, int attempt, string outcome, int? exitCode);

    [LoggerMessage(3, LogLevel.Warning, "Could not start attempt {Attempt} of {TaskName}: {Reason}")]
    public static partial void StartFailed(ILogger logger, string taskName, int attempt, string reason);

    [LoggerMessage(4, LogLevel.Information, "Killing attempt {Attempt} of {TaskName} (pid {ProcessId}): {Reason}")]
    public static partial void Killing(ILogger logger, string taskName, int attempt, int processId, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Attempt {Attempt} of {TaskName} (pid {ProcessId}) outlived SIGTERM by the grace period; sending SIGKILL")]
    public static partial void Escalating(ILogger logger, string taskName, int attempt, int processId);

    [LoggerMessage(6, LogLevel.Warning, "Attempt {Attempt} of {TaskName} left processes running after it ended; killing its process group {ProcessGroupId}")]
    public static partial void Stragglers(ILogger logger, string taskName, int attempt, int processGroupId);

    [LoggerMessage(7, LogLevel.Warning, "Processes of attempt {Attempt} of {TaskName} (process group {ProcessGroupId}) survived SIGKILL; giving up on them")]
    public static partial void Unkillable(ILogger logger, string taskName, int attempt, int processGroupId);

    [LoggerMessage(8, LogLevel.Warning, "Attempt {Attempt} of {TaskName} is lost: {Reason}")]
    public static partial void Lost(ILogger logger, string taskName, int attempt, string reason);

    [LoggerMessage(9, LogLevel.Error, "Could not write {ExitFile} for attempt {Attempt} of {TaskName}: {Reason}")]
    public static partial void RecordNotWritten(ILogger logger, string taskName, int attempt, string exitFile, string reason);

    [LoggerMessage(10, LogLevel.Information, "Stopping the local executor: killing {Count} running attempts")]
    public static partial void Disposing(ILogger logger, int count);

    [LoggerMessage(11, LogLevel.Debug, "Started the local executor's supervisor: pid {ProcessId}")]
    public static partial void SupervisorStarted(ILogger logger, int processId);

    [LoggerMessage(12, LogLevel.Error, "The local executor's supervisor (pid {ProcessId}) ended with status {Status} while {Count} attempts were not over; the orchestrator adopts those it can, the others are lost. Its last output on stderr: {Stderr}")]
    public static partial void SupervisorEnded(ILogger logger, int processId, string status, int count, string stderr);

    [LoggerMessage(13, LogLevel.Error, "The local executor's supervisor (pid {ProcessId}): {Message}")]
    public static partial void SupervisorError(ILogger logger, int processId, string message);

    [LoggerMessage(14, LogLevel.Warning, "The local executor's supervisor (pid {ProcessId}) wrote on stderr: {Line}")]
    public static partial void SupervisorStderr(ILogger logger, int processId, string line);

    [LoggerMessage(15, LogLevel.Information, "Re-attached to attempt {Attempt} of {TaskName}: {State}")]
    public static partial void Reattached(ILogger logger, string taskName, int attempt, string state);

    [LoggerMessage(30, LogLevel.Warning, "Attempt {Attempt} of {TaskName} (pid {ProcessId}) outlived its supervisor and is now watched by the orchestrator: {Reason}")]
    public static partial void Adopted(ILogger logger, string taskName, int attempt, int processId, string reason);

    [LoggerMessage(31, LogLevel.Warning, "Cannot become a child subreaper (errno {Errno}): attempts whose supervisor dies will be lost")]
    public static partial void NoSubreaper(ILogger logger, int errno);
}
