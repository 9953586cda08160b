using System.Diagnostics;
using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Stores.Postgres.Connections;
using Baton.Stores.Postgres.Migrations;
using Baton.Stores.Postgres.Reading;
using Baton.Stores.Postgres.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Baton.Stores.Postgres;

/// <summary>
/// The shared store: one PostgreSQL database that several nodes (and analysts with psql) use at once. Each call
/// takes a pooled connection and is one transaction; writes from several threads and nodes run side by side,
/// ordered by row locks (run, then task, then attempt). A serialization failure or deadlock runs the transaction
/// again; a lost connection (a restart, a failover) is retried for <see cref="PostgresStoreOptions.ReconnectTimeout"/>.
/// Errors about the location itself (unreachable, wrong credentials, a newer schema) are
/// <see cref="BatonInputException"/>s that name it without its password.
/// </summary>
public sealed class PostgresStore : IBatonStore
{
    private const int MaxConflictRetries = 50;

    private readonly PostgresStoreOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _initializeLock = new(1, 1);
    private NpgsqlDataSource? _dataSource;
    private volatile bool _disposed;

    /// <summary>Creates a store for <paramref name="location"/>; nothing is opened until <see cref="InitializeAsync"/>.</summary>
    public PostgresStore(PostgresLocation location, ILogger? logger = null, PostgresStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        Location = location;
        _logger = logger ?? NullLogger.Instance;
        _options = options ?? new PostgresStoreOptions();
    }

    /// <summary>Where the store is (shown without a password).</summary>
    public PostgresLocation Location { get; }

    /// <summary>The schema version this code creates and migrates to.</summary>
    public static int SchemaVersion => SchemaMigrator.LatestVersion;

    /// <summary>Creates a store and initializes it (creating or migrating the schema).</summary>
    public static async ValueTask<PostgresStore> OpenAsync(
        PostgresLocation location,
        ILogger? logger = null,
        PostgresStoreOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var store = new PostgresStore(location, logger, options);
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _initializeLock.WaitAsync(cancellationToken);
        try
        {
            if (_dataSource is not null)
            {
                return;
            }
            var builder = new NpgsqlDataSourceBuilder(Location.Builder.ConnectionString);
            var settings = builder.ConnectionStringBuilder;
            settings.MaxPoolSize = Math.Max(1, _options.MaxConnections);
            // The few statement shapes of a group commit are prepared once per connection, on their second use.
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
            if (string.IsNullOrEmpty(settings.ApplicationName))
            {
                settings.ApplicationName = "baton";
            }
            var dataSource = builder.Build();
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                var version = await SchemaMigrator.MigrateAsync(connection, Location.Display, _logger, cancellationToken);
                StoreLog.Opened(_logger, Location.Display, version);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                await dataSource.DisposeAsync();
                throw StoreErrors.CannotOpen(Location.Display, exception, settings.Username ?? Environment.GetEnvironmentVariable("PGUSER") ?? Environment.UserName);
            }
            catch
            {
                await dataSource.DisposeAsync();
                throw;
            }
            _dataSource = dataSource;
        }
        finally
        {
            _initializeLock.Release();
        }
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
        var count = graph.Tasks.Count;
        if (taskDirectories.Count != count)
        {
            throw new ArgumentException($"{taskDirectories.Count} task directories for {count} tasks", nameof(taskDirectories));
        }
        if (paramsJson.Count != count)
        {
            throw new ArgumentException($"{paramsJson.Count} params.json texts for {count} tasks", nameof(paramsJson));
        }
        return RunAsync("registration", async connection =>
        {
            var started = Stopwatch.GetTimestamp();
            var registration = await WorkflowRegistrar.RegisterAsync(connection, graph, taskDirectories, paramsJson, now, cancellationToken);
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            StoreLog.WorkflowRegistered(_logger, graph.Name, registration.WorkflowId, registration.Created ? "new" : "seen before",
                graph.Tasks.Count, graph.EdgeCount, elapsedMs);
            return registration;
        }, cancellationToken);
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
        var count = graph.Tasks.Count - firstNew;
        if (firstNew < 0 || count < 0 || taskDirectories.Count != count || paramsJson.Count != count)
        {
            throw new ArgumentException($"tasks {firstNew}..{graph.Tasks.Count} need {count} directories and params.json texts");
        }
        return RunAsync("adding tasks", connection =>
            WorkflowRegistrar.AddTasksAsync(connection, workflowId, graph, firstNew, taskDirectories, paramsJson, now, cancellationToken),
            cancellationToken);
    }

    public ValueTask<long> StartRunAsync(long workflowId, string host, int processId, string? submittedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return RunAsync("starting a run", connection => RunWriter.StartAsync(connection, workflowId, host, processId, submittedBy, now, cancellationToken), cancellationToken);
    }

    public async ValueTask FinishRunAsync(long runId, RunStatus status, DateTimeOffset now, CancellationToken cancellationToken) =>
        await RunAsync("finishing a run", async connection =>
        {
            await RunWriter.FinishAsync(connection, runId, status, now, cancellationToken);
            return 0;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<TaskClaim>> ClaimTasksAsync(
        ClaimOwner owner, IReadOnlyList<long> taskIds, IReadOnlyCollection<ClaimOwner> deadOwners, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(taskIds);
        ArgumentNullException.ThrowIfNull(deadOwners);
        return RunAsync("claiming tasks", connection => ClaimWriter.ClaimAsync(connection, owner, taskIds, deadOwners, now, cancellationToken), cancellationToken);
    }

    public async ValueTask ReleaseClaimsAsync(long runId, CancellationToken cancellationToken) =>
        await RunAsync("releasing claims", async connection =>
        {
            await ClaimWriter.ReleaseAsync(connection, runId, cancellationToken);
            return 0;
        }, cancellationToken);

    public async ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (changes.Count == 0)
        {
            return ApplyResult.Empty;
        }
        return await RunAsync("a group commit", connection => ChangeWriter.ApplyAsync(connection, changes, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyList<long>> RemoveTasksAsync(IReadOnlyList<long> taskIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        return RunAsync("removing tasks", connection => TaskRemover.RemoveAsync(connection, taskIds, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyList<TaskRow>> ListTasksAsync(TaskFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return RunAsync("listing tasks", connection => TaskQueries.ListAsync(connection, filter, cancellationToken), cancellationToken);
    }

    public ValueTask<TaskPage> ListTasksPageAsync(TaskFilter filter, TaskPageKey? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return RunAsync("listing a page of tasks", connection => TaskQueries.PageAsync(connection, filter, after, limit, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyDictionary<TaskState, int>> CountTasksAsync(TaskFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return RunAsync("counting tasks", connection => TaskQueries.CountAsync(connection, filter, cancellationToken), cancellationToken);
    }

    public ValueTask<TaskDetails?> GetTaskDetailsAsync(long taskId, CancellationToken cancellationToken) =>
        RunAsync("reading a task", connection => TaskQueries.DetailsAsync(connection, taskId, cancellationToken), cancellationToken);

    public ValueTask<IReadOnlyList<AttemptListing>> ListAttemptsAsync(AttemptFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return RunAsync("listing attempts", connection => AttemptQueries.ListAsync(connection, filter, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyList<WorkflowRow>> ListWorkflowsAsync(string? name, CancellationToken cancellationToken) =>
        RunAsync("listing workflows", connection => RunQueries.WorkflowsAsync(connection, name, cancellationToken), cancellationToken);

    public ValueTask<IReadOnlyList<RunRow>> ListRunsAsync(string? workflow, CancellationToken cancellationToken) =>
        RunAsync("listing runs", connection => RunQueries.ListAsync(connection, workflow, cancellationToken), cancellationToken);

    public ValueTask<RunRow?> GetRunAsync(long runId, CancellationToken cancellationToken) =>
        RunAsync("reading a run", connection => RunQueries.GetAsync(connection, runId, cancellationToken), cancellationToken);

    public ValueTask<IReadOnlyList<StoredEvent>> ReadEventsAsync(long afterSequence, int limit, EventFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return RunAsync("reading events", connection => EventQueries.ReadAsync(connection, afterSequence, limit, filter, cancellationToken), cancellationToken);
    }

    public ValueTask<long> LatestEventSequenceAsync(CancellationToken cancellationToken) =>
        RunAsync("reading the latest event", connection => EventQueries.LatestAsync(connection, cancellationToken), cancellationToken);

    public ValueTask<ApiToken> CreateTokenAsync(NewApiToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        return RunAsync("creating a token", connection => TokenWriter.CreateAsync(connection, token, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyList<ApiToken>> ListTokensAsync(CancellationToken cancellationToken) =>
        RunAsync("listing tokens", connection => TokenQueries.ListAsync(connection, cancellationToken), cancellationToken);

    public ValueTask<ApiToken?> FindTokenAsync(string secretHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secretHash);
        return RunAsync("reading a token", connection => TokenQueries.FindAsync(connection, secretHash, cancellationToken), cancellationToken);
    }

    public ValueTask<ApiToken?> RevokeTokenAsync(long tokenId, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync("revoking a token", connection => TokenWriter.RevokeAsync(connection, tokenId, now, cancellationToken), cancellationToken);

    public ValueTask<Webhook> CreateWebhookAsync(NewWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return RunAsync("creating a webhook", connection => WebhookRows.CreateAsync(connection, webhook, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken) =>
        RunAsync("listing webhooks", connection => WebhookRows.ListAsync(connection, cancellationToken), cancellationToken);

    public ValueTask<bool> DeleteWebhookAsync(long webhookId, CancellationToken cancellationToken) =>
        RunAsync("removing a webhook", connection => WebhookRows.DeleteAsync(connection, webhookId, cancellationToken), cancellationToken);

    public ValueTask<WebhookDelivery> AddDeliveryAsync(NewWebhookDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return RunAsync("recording a webhook delivery", connection => WebhookRows.AddDeliveryAsync(connection, delivery, cancellationToken), cancellationToken);
    }

    public async ValueTask UpdateDeliveryAsync(WebhookDeliveryUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        await RunAsync("updating a webhook delivery", connection => WebhookRows.UpdateDeliveryAsync(connection, update, cancellationToken), cancellationToken);
    }

    public ValueTask<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(long webhookId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return RunAsync("listing webhook deliveries", connection => WebhookRows.DeliveriesAsync(connection, webhookId, limit, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Runs one transaction's work on a pooled connection. A collision with another transaction (serialization
    /// failure, deadlock) runs it again at once; a lost connection is retried with back-off until the reconnect
    /// timeout. The work rolls back whole on any failure (its transaction is disposed uncommitted), so running it
    /// again is safe.
    /// </summary>
    private async ValueTask<T> RunAsync<T>(string what, Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var dataSource = _dataSource ?? throw new InvalidOperationException($"the store '{Location}' is not initialized: call InitializeAsync first");
        var started = _options.Time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                return await work(connection);
            }
            catch (Exception exception) when (StoreErrors.IsConflict(exception) && attempt < MaxConflictRetries && !cancellationToken.IsCancellationRequested)
            {
                StoreLog.Retrying(_logger, Location.Display, what, ((PostgresException)exception).SqlState, attempt);
                // A little random wait: two nodes that collided should not collide again in lock step.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * Math.Min(attempt, 10))), _options.Time, cancellationToken);
            }
            catch (Exception exception) when (StoreErrors.IsConnectionLoss(exception) && !cancellationToken.IsCancellationRequested)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_options.Time.GetElapsedTime(started) >= _options.ReconnectTimeout)
                {
                    throw StoreErrors.Unreachable(Location.Display, exception);
                }
                StoreLog.Unreachable(_logger, Location.Display, StoreErrors.Describe(exception, null));
                // Connections in the pool died with the server: drop them rather than meet each one broken.
                dataSource.Clear();
                await Task.Delay(delay, _options.Time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _initializeLock.WaitAsync();
        try
        {
            if (_dataSource is not null)
            {
                await _dataSource.DisposeAsync();
                _dataSource = null;
            }
        }
        finally
        {
            _initializeLock.Release();
        }
    }
}
