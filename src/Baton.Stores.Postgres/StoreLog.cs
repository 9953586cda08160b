using Microsoft.Extensions.Logging;

namespace Baton.Stores.Postgres;

/// <summary>The store's log messages. Locations are always shown without their password.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Store {Location}: applied schema migration {Version} ({Name})")]
    public static partial void MigrationApplied(ILogger logger, string location, int version, string name);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Store {Location} opened at schema version {Version}")]
    public static partial void Opened(ILogger logger, string location, int version);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug,
        Message = "Workflow '{Workflow}' (id {WorkflowId}, {State}): {Tasks} tasks, {Edges} edges registered in {ElapsedMs} ms")]
    public static partial void WorkflowRegistered(ILogger logger, string workflow, long workflowId, string state, int tasks, int edges, long elapsedMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Store {Location}: {What} was retried after a transient failure ({Reason}), attempt {Attempt}")]
    public static partial void Retrying(ILogger logger, string location, string what, string reason, int attempt);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Store {Location}: the server cannot be reached ({Reason}); retrying")]
    public static partial void Unreachable(ILogger logger, string location, string reason);
}
