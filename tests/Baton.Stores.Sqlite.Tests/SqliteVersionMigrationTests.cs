using System.Globalization;
using Baton.Stores.Sqlite.Migrations;
using Baton.Testing;

namespace Baton.Stores.Sqlite.Tests;

/// <summary>Migration V005 on a store written before workflow versions: rows of one name and args become versions.</summary>
public sealed class SqliteVersionMigrationTests : IDisposable
{
    private readonly TempDirectory _directory = new("baton-sqlite-");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Earlier_dags_of_one_name_and_args_become_numbered_versions_and_the_newest_is_current()
    {
        var path = _directory.Combine("baton.db");
        using (var connection = RawSqlite.Open(path))
        {
            foreach (var migration in SchemaMigrator.Migrations.Where(m => m.Version <= 3))
            {
                RawSqlite.Execute(connection, migration.Sql);
            }
            RawSqlite.Execute(connection, string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA user_version = 3; PRAGMA application_id = {SchemaMigrator.ApplicationId};"));
            RawSqlite.Execute(connection, """
                INSERT INTO workflows (name, workflow_args, args_hash, dag_hash, source_file, created_at) VALUES
                    ('sweep', '{}', 'h0', 'dag1', '/w.yaml', '2026-01-01T00:00:00.0000000Z'),
                    ('other', '{}', 'h0', 'dag9', '/o.yaml', '2026-01-01T00:00:00.0000000Z'),
                    ('sweep', '{}', 'h0', 'dag2', '/w.yaml', '2026-01-02T00:00:00.0000000Z'),
                    ('sweep', '{"r":"2"}', 'h1', 'dag3', '/w.yaml', '2026-01-03T00:00:00.0000000Z');
                """);
        }

        await using var store = await SqliteStore.OpenAsync(path, cancellationToken: TestContext.Current.CancellationToken);
        var sweep = await store.ListWorkflowsAsync("sweep", TestContext.Current.CancellationToken);
        var other = await store.ListWorkflowsAsync("other", TestContext.Current.CancellationToken);

        Assert.Equal([("dag1", 1, false), ("dag2", 2, true), ("dag3", 1, true)], sweep.Select(w => (w.DagHash, w.Version, w.Current)));
        Assert.Equal([(1, true)], other.Select(w => (w.Version, w.Current)));
        Assert.Equal((long)SqliteStore.SchemaVersion, RawSqlite.Scalar(path, "PRAGMA user_version"));
    }
}
