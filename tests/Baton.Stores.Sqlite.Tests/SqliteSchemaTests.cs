using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Migrations;
using Baton.Testing;
using Baton.Testing.Graphs;

namespace Baton.Stores.Sqlite.Tests;

public sealed class SqliteSchemaTests : IDisposable
{
    private readonly TempDirectory _directory = new("baton-sqlite-");
    private readonly string _path;

    public SqliteSchemaTests()
    {
        _path = _directory.Combine("baton.db");
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Migrations_are_numbered_from_one_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, SchemaMigrator.Migrations.Count), SchemaMigrator.Migrations.Select(m => m.Version));
        Assert.Equal(SchemaMigrator.LatestVersion, SqliteStore.SchemaVersion);
    }

    [Fact]
    public async Task A_new_store_gets_the_whole_schema_in_wal_mode()
    {
        await using (var store = await SqliteStore.OpenAsync(_path, cancellationToken: Token))
        {
            Assert.Equal("wal", RawSqlite.Scalar(_path, "PRAGMA journal_mode"));
        }

        Assert.Equal((long)SqliteStore.SchemaVersion, RawSqlite.Scalar(_path, "PRAGMA user_version"));
        Assert.Equal((long)SchemaMigrator.ApplicationId, RawSqlite.Scalar(_path, "PRAGMA application_id"));
        Assert.Equal(
            ["api_tokens", "attempts", "edges", "events", "runs", "state_history", "task_claims", "tasks", "webhook_deliveries", "webhooks", "workflow_tasks", "workflows"],
            RawSqlite.Column(_path, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"));
    }

    [Fact]
    public async Task Opening_a_store_again_migrates_nothing_and_keeps_its_data()
    {
        var graph = new TestGraphBuilder("wf").Task("a").Task("b", after: ["a"]).Build();
        long[] ids;
        await using (var store = await SqliteStore.OpenAsync(_path, cancellationToken: Token))
        {
            ids = (await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), DateTimeOffset.UnixEpoch, Token)).TaskIds;
        }
        var schema = RawSqlite.Column(_path, "SELECT sql FROM sqlite_schema ORDER BY name");

        await using (var store = await SqliteStore.OpenAsync(_path, cancellationToken: Token))
        {
            await store.InitializeAsync(Token);
            var again = await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), DateTimeOffset.UnixEpoch, Token);
            Assert.Equal(ids, again.TaskIds);
        }

        Assert.Equal((long)SqliteStore.SchemaVersion, RawSqlite.Scalar(_path, "PRAGMA user_version"));
        Assert.Equal(schema, RawSqlite.Column(_path, "SELECT sql FROM sqlite_schema ORDER BY name"));
    }

    [Fact]
    public async Task A_store_with_a_newer_schema_is_refused_with_a_clear_message()
    {
        RawSqlite.Execute(_path, $"PRAGMA application_id = {SchemaMigrator.ApplicationId}; PRAGMA user_version = 99");

        var error = await Assert.ThrowsAsync<BatonInputException>(async () => await SqliteStore.OpenAsync(_path, cancellationToken: Token));

        Assert.Equal($"{_path} schema version 99 is newer than this Baton ({SqliteStore.SchemaVersion}); upgrade Baton", error.Message);
        Assert.Equal(99L, RawSqlite.Scalar(_path, "PRAGMA user_version"));
    }

    [Fact]
    public async Task A_store_that_is_not_initialized_refuses_work()
    {
        await using var store = new SqliteStore(_path);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.ListRunsAsync(null, Token));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.StartRunAsync(1, "h", 1, DateTimeOffset.UnixEpoch, Token));
        Assert.False(File.Exists(_path));
    }
}
