using Baton.Core.Stores;
using Baton.Stores.Postgres.Migrations;
using Baton.Testing.Graphs;
using Npgsql;

namespace Baton.Stores.Postgres.Tests;

/// <summary>
/// Workflow versions where only the shared store can go wrong: nodes registering one workflow's DAGs at once, and
/// migration V004 on a database written before versions; and the numbering of the schema's migrations.
/// </summary>
public sealed class PostgresVersionTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);
    private readonly string _key = "versions-" + Guid.NewGuid().ToString("N");
    private readonly List<PostgresStore> _stores = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
        await PostgresServer.DropAsync(_key);
    }

    private async Task<PostgresStore> OpenAsync(string url)
    {
        var store = await PostgresStore.OpenAsync(PostgresLocation.Parse(url), cancellationToken: Token);
        _stores.Add(store);
        return store;
    }

    [Fact]
    public async Task Nodes_registering_new_dags_of_one_workflow_at_once_get_distinct_versions_and_one_current()
    {
        const int nodes = 6;
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        var stores = new PostgresStore[nodes];
        for (var i = 0; i < nodes; i++)
        {
            stores[i] = await OpenAsync(url);
        }
        // Each node a DAG of its own under one name and args (a task of its own besides a shared one), twice over:
        // new versions race each other, then versions that exist race to become current again.
        var graphs = Enumerable.Range(0, nodes)
            .Select(i => new TestGraphBuilder("wf").Task("shared").Task($"own{i}", after: ["shared"]).Build())
            .ToArray();
        using var start = new Barrier(nodes);
        var registrations = await Task.WhenAll(Enumerable.Range(0, nodes).Select(i => Task.Run(async () =>
        {
            start.SignalAndWait(Token);
            var first = await stores[i].RegisterWorkflowAsync(graphs[i], TestGraphs.Directories(graphs[i]), TestGraphs.ParamsJson(graphs[i]), T0, Token);
            var again = await stores[i].RegisterWorkflowAsync(graphs[(i + 1) % nodes], TestGraphs.Directories(graphs[(i + 1) % nodes]),
                TestGraphs.ParamsJson(graphs[(i + 1) % nodes]), T0, Token);
            return (first, again);
        }, Token)));

        // Each DAG was recorded once (by whichever node came first), so the versions are 1..n, one each.
        Assert.Equal(Enumerable.Range(1, nodes), registrations.Select(r => r.first.Version).Order());
        var versions = await stores[0].ListWorkflowsAsync("wf", Token);
        Assert.Equal(Enumerable.Range(1, nodes), versions.Select(w => w.Version).Order());
        var current = Assert.Single(versions, w => w.Current).Version;
        // Registrations took turns, so the changes they report form one chain from version 1 (the first recorded)
        // to the current one: every other version was made current as often as it stopped being.
        var changes = registrations.SelectMany(r => new[] { r.first.Change, r.again.Change }).OfType<WorkflowVersionChange>().ToArray();
        foreach (var v in Enumerable.Range(1, nodes))
        {
            var expected = (v == current ? 1 : 0) - (v == 1 ? 1 : 0);
            Assert.Equal(expected, changes.Count(c => c.Version == v) - changes.Count(c => c.PreviousVersion == v));
        }
    }

    [Fact]
    public void Migrations_are_numbered_from_one_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, SchemaMigrator.Migrations.Count), SchemaMigrator.Migrations.Select(m => m.Version));
        Assert.Equal(SchemaMigrator.LatestVersion, PostgresStore.SchemaVersion);
    }

    [Fact]
    public async Task Migration_v004_numbers_earlier_dags_of_one_name_and_args_and_makes_the_newest_current()
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        await using (var connection = await PostgresServer.OpenAsync(url, Token))
        {
            foreach (var migration in SchemaMigrator.Migrations.Where(m => m.Version <= 3))
            {
                await using var apply = new NpgsqlCommand(migration.Sql, connection);
                await apply.ExecuteNonQueryAsync(Token);
                await using var mark = new NpgsqlCommand($"INSERT INTO schema_migrations (version, name) VALUES ({migration.Version}, 'test')", connection);
                await mark.ExecuteNonQueryAsync(Token);
            }
            await using var rows = new NpgsqlCommand("""
                INSERT INTO workflows (name, workflow_args, args_hash, dag_hash, source_file, created_at) VALUES
                    ('sweep', '{}', 'h0', 'dag1', '/w.yaml', '2026-01-01T00:00:00.0000000Z'),
                    ('other', '{}', 'h0', 'dag9', '/o.yaml', '2026-01-01T00:00:00.0000000Z'),
                    ('sweep', '{}', 'h0', 'dag2', '/w.yaml', '2026-01-02T00:00:00.0000000Z'),
                    ('sweep', '{"r":"2"}', 'h1', 'dag3', '/w.yaml', '2026-01-03T00:00:00.0000000Z');
                """, connection);
            await rows.ExecuteNonQueryAsync(Token);
        }

        var store = await OpenAsync(url);
        var sweep = await store.ListWorkflowsAsync("sweep", Token);
        var other = await store.ListWorkflowsAsync("other", Token);

        Assert.Equal([("dag1", 1, false), ("dag2", 2, true), ("dag3", 1, true)], sweep.Select(w => (w.DagHash, w.Version, w.Current)));
        Assert.Equal([(1, true)], other.Select(w => (w.Version, w.Current)));
        await using var check = await PostgresServer.OpenAsync(url, Token);
        await using var version = new NpgsqlCommand("SELECT max(version) FROM schema_migrations", check);
        Assert.Equal(PostgresStore.SchemaVersion, await version.ExecuteScalarAsync(Token));
    }
}
