using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Graphs;
using Npgsql;

namespace Baton.Stores.Postgres.Tests;

/// <summary>
/// What the shared store adds to the contract: several stores (nodes) on one database at once, and registration
/// of large workflows set-based.
/// </summary>
public sealed class PostgresSharingTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);
    private readonly string _key = "sharing-" + Guid.NewGuid().ToString("N");
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

    private async Task<PostgresStore[]> OpenNodesAsync(int count)
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        var stores = new PostgresStore[count];
        for (var i = 0; i < count; i++)
        {
            stores[i] = await PostgresStore.OpenAsync(PostgresLocation.Parse(url), cancellationToken: Token);
            _stores.Add(stores[i]);
        }
        return stores;
    }

    private static ValueTask<WorkflowRegistration> RegisterAsync(PostgresStore store, Core.Graph.WorkflowGraph graph) =>
        store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), T0, Token);

    [Fact]
    public async Task Three_nodes_claiming_the_same_tasks_at_once_hold_each_task_exactly_once()
    {
        var nodes = await OpenNodesAsync(3);
        var registration = await RegisterAsync(nodes[0], TestGraphs.Large(300, "shared"));
        var owners = new ClaimOwner[3];
        for (var i = 0; i < 3; i++)
        {
            var run = await nodes[i].StartRunAsync(registration.WorkflowId, $"host-{i}", 100 + i, T0, Token);
            owners[i] = new ClaimOwner(run, $"host-{i}", 100 + i, 1000 + i);
        }
        var ids = registration.TaskIds;

        // Each node asks for every task, in its own order and in slices, all at the same time.
        var claims = await Task.WhenAll(Enumerable.Range(0, 3).Select(n => Task.Run(async () =>
        {
            var order = n == 1 ? ids.Reverse().ToArray() : n == 2 ? ids.OrderBy(id => id % 7).ToArray() : ids;
            var seen = new List<TaskClaim>();
            foreach (var slice in order.Chunk(25))
            {
                seen.AddRange(await nodes[n].ClaimTasksAsync(owners[n], slice, [], T0, Token));
            }
            return seen;
        }, Token)));

        // Every node sees one holder per task, and all agree on who it is.
        var holders = claims.Select(seen => seen.ToDictionary(c => c.TaskId, c => c.Owner)).ToArray();
        Assert.All(holders, h => Assert.Equal(ids.Order(), h.Keys.Order()));
        Assert.All(ids, id => Assert.Single(holders.Select(h => h[id]).Distinct()));
        await using var check = await PostgresServer.OpenAsync(await PostgresServer.DatabaseAsync(_key, Token), Token);
        await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT task_id) FROM task_claims", check);
        await using var reader = await count.ExecuteReaderAsync(Token);
        await reader.ReadAsync(Token);
        Assert.Equal((300L, 300L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task Group_commits_of_two_nodes_touching_the_same_tasks_in_opposite_orders_all_land()
    {
        var nodes = await OpenNodesAsync(2);
        var registration = await RegisterAsync(nodes[0], TestGraphs.Large(60, "opposite"));
        var run = await nodes[0].StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        var ids = registration.TaskIds;

        // Each batch moves every task Waiting -> Ready -> Waiting: the two nodes' batches lock the same rows,
        // listed in opposite orders. Locking in id order (or retrying a deadlock) lets every batch land.
        static StoreChange[] Batch(IEnumerable<long> order, long run) =>
        [
            .. order.SelectMany(id => new StoreChange[]
            {
                new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0),
                new TaskStateChanged(id, run, TaskState.Ready, TaskState.Waiting, FailureReason.None, null, T0),
            }),
        ];
        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (var i = 0; i < 20; i++)
                {
                    await nodes[0].ApplyAsync(Batch(ids, run), Token);
                }
            }, Token),
            Task.Run(async () =>
            {
                for (var i = 0; i < 20; i++)
                {
                    await nodes[1].ApplyAsync(Batch(ids.Reverse(), run), Token);
                }
            }, Token));

        var details = await nodes[1].GetTaskDetailsAsync(ids[^1], Token);
        Assert.NotNull(details);
        Assert.Equal(1 + (2 * 20 * 2), details.History.Count);
        Assert.Equal(TaskState.Waiting, details.Task.State);
    }

    [Fact]
    public async Task A_large_workflow_registers_with_its_edges_and_again_with_the_same_ids()
    {
        var nodes = await OpenNodesAsync(2);
        var graph = TestGraphs.Large(20_000, "large");

        var first = await RegisterAsync(nodes[0], graph);
        var again = await RegisterAsync(nodes[1], graph);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.TaskIds, again.TaskIds);
        Assert.Equal(20_000, first.TaskIds.Distinct().Count());
        Assert.True(first.TaskIds.SequenceEqual(first.TaskIds.Order()), "ids follow the graph's order");
        var rows = await nodes[1].ListTasksAsync(new TaskFilter { Workflow = "large" }, Token);
        Assert.Equal(graph.Tasks.Select(t => t.Name), rows.Select(r => r.Name));
        Assert.Equal(["even"], rows[0].Tags);
        await using var check = await PostgresServer.OpenAsync(await PostgresServer.DatabaseAsync(_key, Token), Token);
        await using var counts = new NpgsqlCommand("SELECT (SELECT count(*) FROM edges), (SELECT count(*) FROM state_history)", check);
        await using var reader = await counts.ExecuteReaderAsync(Token);
        await reader.ReadAsync(Token);
        Assert.Equal(((long)graph.EdgeCount, 20_000L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task Connections_the_server_drops_are_replaced_and_the_group_commit_lands()
    {
        var nodes = await OpenNodesAsync(1);
        var store = nodes[0];
        var registration = await RegisterAsync(store, TestGraphs.Large(10, "dropped"));
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        // What a server restart does to a node's pooled connections: every one of them is ended.
        await using (var admin = await PostgresServer.OpenAsync(await PostgresServer.DatabaseAsync(_key, Token), Token))
        {
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                admin);
            Assert.True((long)(await terminate.ExecuteScalarAsync(Token))! > 0);
        }
        var result = await store.ApplyAsync(
            [new TaskStateChanged(registration.TaskIds[0], run, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0)], Token);

        Assert.Single(result.Events);
        Assert.Empty(result.Missed);
        Assert.Equal(TaskState.Ready, (await store.GetTaskDetailsAsync(registration.TaskIds[0], Token))!.Task.State);
    }
}
