using System.Diagnostics;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Connections;
using Baton.Stores.Sqlite.Migrations;
using Baton.Stores.Sqlite.Reading;
using Baton.Stores.Sqlite.Writing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Stores.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. All writes go through one long-lived connection, one at a
/// time, with prepared statements; each read opens its own connection, so listings never wait for the engine.
/// Errors about the file itself (cannot be created, not a database, locked by another process) are
/// <see cref="Core.Errors.BatonInputException"/>s that name the file.
/// </summary>
public sealed class SqliteStore : IBatonStore
{
    private readonly SqliteStoreOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;
    private WorkflowRegistrar? _registrar;
    private ChangeWriter? _changes;
    private EventWriter? _events;
    private volatile bool _disposed;

    /// <summary>Creates a store over the file at <paramref name="path"/>; nothing is opened until <see cref="InitializeAsync"/>.</summary>
    public SqliteStore(string path, ILogger? logger = null, SqliteStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        _logger = logger ?? NullLogger.Instance;
        _options = options ?? new SqliteStoreOptions();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The schema version this code creates and migrates to.</summary>
    public static int SchemaVersion => SchemaMigrator.LatestVersion;

    /// <summary>Creates a store and initializes it (creating or migrating the schema).</summary>
    public static async ValueTask<SqliteStore> OpenAsync(
        string path,
        ILogger? logger = null,
        SqliteStoreOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var store = new SqliteStore(path, logger, options);
        try
        {
            await store.InitializeAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        await WriteAsync(() =>
        {
            if (_writer is not null)
            {
                return 0;
            }
            var writer = StoreConnections.OpenWriter(Path, _options);
            try
            {
                var version = SchemaMigrator.Migrate(writer, Path, _logger, cancellationToken);
                _registrar = new WorkflowRegistrar(writer);
                _events = new EventWriter(writer);
                _changes = new ChangeWriter(writer, _events);
                _writer = writer;
                StoreLog.Opened(_logger, Path, version);
            }
            catch
            {
                _registrar?.Dispose();
                _registrar = null;
                _events?.Dispose();
                _events = null;
                writer.Dispose();
                throw;
            }
            return 0;
        }, requireInitialized: false, cancellationToken);
    }

    public ValueTask<WorkflowRegistration> RegisterWorkflowAsync(
        WorkflowGraph graph,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(taskDirectories);
        ArgumentNullException.ThrowIfNull(paramsJson);
        return WriteAsync(() =>
        {
            var started = Stopwatch.GetTimestamp();
            var registration = _registrar!.Register(graph, taskDirectories, paramsJson, now, cancellationToken);
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            StoreLog.WorkflowRegistered(_logger, graph.Name, registration.WorkflowId, registration.Created ? "new" : "seen before",
                graph.Tasks.Count, graph.EdgeCount, elapsedMs);
            return registration;
        }, requireInitialized: true, cancellationToken);
    }

    public ValueTask<WorkflowRegistration> AddTasksAsync(
        long workflowId,
        WorkflowGraph graph,
        int firstNew,
        IReadOnlyList<string> taskDirectories,
        IReadOnlyList<string> paramsJson,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(taskDirectories);
        ArgumentNullException.ThrowIfNull(paramsJson);
        return WriteAsync(() => _registrar!.AddTasks(workflowId, graph, firstNew, taskDirectories, paramsJson, now, cancellationToken),
            requireInitialized: true, cancellationToken);
    }

    public ValueTask<long> StartRunAsync(long workflowId, string host, int processId, string? submittedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return WriteAsync(() => RunWriter.Start(_writer!, _events!, workflowId, host, processId, submittedBy, now), requireInitialized: true, cancellationToken);
    }

    public async ValueTask FinishRunAsync(long runId, RunStatus status, DateTimeOffset now, CancellationToken cancellationToken) =>
        await WriteAsync(() =>
        {
            RunWriter.Finish(_writer!, _events!, runId, status, now);
            return 0;
        }, requireInitialized: true, cancellationToken);

    public ValueTask<IReadOnlyList<TaskClaim>> ClaimTasksAsync(
        ClaimOwner owner, IReadOnlyList<long> taskIds, IReadOnlyCollection<ClaimOwner> deadOwners, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(taskIds);
        ArgumentNullException.ThrowIfNull(deadOwners);
        return WriteAsync(() => ClaimWriter.Claim(_writer!, owner, taskIds, deadOwners, now), requireInitialized: true, cancellationToken);
    }

    public async ValueTask ReleaseClaimsAsync(long runId, CancellationToken cancellationToken) =>
        await WriteAsync(() =>
        {
            ClaimWriter.Release(_writer!, runId);
            return 0;
        }, requireInitialized: true, cancellationToken);

    public ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return WriteAsync(() => _changes!.Apply(changes, cancellationToken), requireInitialized: true, cancellationToken);
    }

    public ValueTask<IReadOnlyList<long>> RemoveTasksAsync(IReadOnlyList<long> taskIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        return WriteAsync(() => TaskRemover.Remove(_writer!, taskIds), requireInitialized: true, cancellationToken);
    }

    public ValueTask<IReadOnlyList<TaskRow>> ListTasksAsync(TaskFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Read(connection => TaskQueries.List(connection, filter, cancellationToken), cancellationToken);
    }

    public ValueTask<TaskPage> ListTasksPageAsync(TaskFilter filter, TaskPageKey? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Read(connection => TaskQueries.Page(connection, filter, after, limit, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyDictionary<TaskState, int>> CountTasksAsync(TaskFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Read(connection => TaskQueries.Count(connection, filter), cancellationToken);
    }

    public ValueTask<TaskDetails?> GetTaskDetailsAsync(long taskId, CancellationToken cancellationToken) =>
        Read(connection => TaskQueries.Details(connection, taskId), cancellationToken);

    public ValueTask<IReadOnlyList<AttemptListing>> ListAttemptsAsync(AttemptFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Read(connection => AttemptQueries.List(connection, filter, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyList<WorkflowRow>> ListWorkflowsAsync(string? name, CancellationToken cancellationToken) =>
        Read(connection => RunQueries.Workflows(connection, name), cancellationToken);

    public ValueTask<IReadOnlyList<RunRow>> ListRunsAsync(string? workflow, CancellationToken cancellationToken) =>
        Read(connection => RunQueries.List(connection, workflow), cancellationToken);

    public ValueTask<RunRow?> GetRunAsync(long runId, CancellationToken cancellationToken) =>
        Read(connection => RunQueries.Get(connection, runId), cancellationToken);

    public ValueTask<IReadOnlyList<StoredEvent>> ReadEventsAsync(long afterSequence, int limit, EventFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Read(connection => EventQueries.Read(connection, afterSequence, limit, filter), cancellationToken);
    }

    public ValueTask<long> LatestEventSequenceAsync(CancellationToken cancellationToken) =>
        Read(EventQueries.Latest, cancellationToken);

    public ValueTask<ApiToken> CreateTokenAsync(NewApiToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        return WriteAsync(() => TokenWriter.Create(_writer!, token), requireInitialized: true, cancellationToken);
    }

    public ValueTask<IReadOnlyList<ApiToken>> ListTokensAsync(CancellationToken cancellationToken) =>
        Read(TokenQueries.List, cancellationToken);

    public ValueTask<ApiToken?> FindTokenAsync(string secretHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secretHash);
        return Read(connection => TokenQueries.Find(connection, secretHash), cancellationToken);
    }

    public ValueTask<ApiToken?> RevokeTokenAsync(long tokenId, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(() => TokenWriter.Revoke(_writer!, tokenId, now), requireInitialized: true, cancellationToken);

    public ValueTask<Webhook> CreateWebhookAsync(NewWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return WriteAsync(() => WebhookRows.Create(_writer!, webhook), requireInitialized: true, cancellationToken);
    }

    public ValueTask<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken) =>
        Read(WebhookRows.List, cancellationToken);

    public ValueTask<bool> DeleteWebhookAsync(long webhookId, CancellationToken cancellationToken) =>
        WriteAsync(() => WebhookRows.Delete(_writer!, webhookId), requireInitialized: true, cancellationToken);

    public ValueTask<WebhookDelivery> AddDeliveryAsync(NewWebhookDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return WriteAsync(() => WebhookRows.AddDelivery(_writer!, delivery), requireInitialized: true, cancellationToken);
    }

    public async ValueTask UpdateDeliveryAsync(WebhookDeliveryUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        await WriteAsync(() => WebhookRows.UpdateDelivery(_writer!, update), requireInitialized: true, cancellationToken);
    }

    public ValueTask<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(long webhookId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Read(connection => WebhookRows.Deliveries(connection, webhookId, limit), cancellationToken);
    }

    /// <summary>Runs <paramref name="write"/> on the write connection, one write at a time.</summary>
    private async ValueTask<T> WriteAsync<T>(Func<T> write, bool requireInitialized, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (requireInitialized)
            {
                EnsureInitialized();
            }
            return write();
        }
        catch (SqliteException exception) when (StoreErrors.IsBusy(exception))
        {
            StoreLog.Locked(_logger, Path);
            throw StoreErrors.Locked(Path, exception);
        }
        catch (SqliteException exception) when (StoreErrors.IsUnwritable(exception))
        {
            throw StoreErrors.Unwritable(Path, exception);
        }
        catch (SqliteException exception) when (StoreErrors.IsDamaged(exception))
        {
            throw StoreErrors.Damaged(Path, exception);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs <paramref name="read"/> on a connection of its own; WAL lets it run beside a write.</summary>
    private ValueTask<T> Read<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        EnsureInitialized();
        try
        {
            using var connection = StoreConnections.OpenReader(Path, _options);
            return ValueTask.FromResult(read(connection));
        }
        catch (SqliteException exception) when (StoreErrors.IsBusy(exception))
        {
            StoreLog.Locked(_logger, Path);
            throw StoreErrors.Locked(Path, exception);
        }
        catch (SqliteException exception) when (StoreErrors.IsDamaged(exception))
        {
            throw StoreErrors.Damaged(Path, exception);
        }
    }

    private void EnsureInitialized()
    {
        if (_writer is null)
        {
            throw new InvalidOperationException($"the store '{Path}' is not initialized: call InitializeAsync first");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        // Wait for a write in progress: closing under it would fail it half-way.
        await _writeLock.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _registrar?.Dispose();
            _changes?.Dispose();
            _events?.Dispose();
            if (_writer is not null)
            {
                try
                {
                    // Keeps the query planner's statistics fresh; cheap, and only on close.
                    using var optimize = _writer.CreateCommand();
                    optimize.CommandText = "PRAGMA optimize";
                    optimize.ExecuteNonQuery();
                }
                catch (SqliteException exception)
                {
                    StoreLog.OptimizeFailed(_logger, Path, exception);
                }
                _writer.Dispose();
                _writer = null;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
