using Microsoft.Extensions.Logging;

namespace Baton.Stores.Sqlite;

/// <summary>The store's log messages.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Store {Path}: applied schema migration {Version} ({Name})")]
    public static partial void MigrationApplied(ILogger logger, string path, int version, string name);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Store {Path} opened at schema version {Version}")]
    public static partial void Opened(ILogger logger, string path, int version);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug,
        Message = "Workflow '{Workflow}' (id {WorkflowId}, {State}): {Tasks} tasks, {Edges} edges registered in {ElapsedMs} ms")]
    public static partial void WorkflowRegistered(ILogger logger, string workflow, long workflowId, string state, int tasks, int edges, long elapsedMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Store {Path} is locked by another process")]
    public static partial void Locked(ILogger logger, string path);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Store {Path}: could not optimize on close")]
    public static partial void OptimizeFailed(ILogger logger, string path, Exception exception);
}
