using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing;
using Baton.Testing.Graphs;

namespace Baton.Stores.Sqlite.Tests;

/// <summary>What the file holds: readable words and times, all rows of a large workflow, and no files left open.</summary>
public sealed class SqliteStorageTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.Zero).AddTicks(5_358_979);

    private readonly TempDirectory _directory = new("baton-sqlite-");
    private readonly string _path;

    public SqliteStorageTests()
    {
        _path = _directory.Combine("baton.db");
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task States_outcomes_and_times_are_stored_as_readable_text()
    {
        var graph = new TestGraphBuilder("wf").Task("a", tags: ["gpu", "é"]).Build();
        await using (var store = await SqliteStore.OpenAsync(_path, cancellationToken: Token))
        {
            var registration = await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), T0, Token);
            var id = registration.TaskIds[0];
            var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
            await store.ApplyAsync(
            [
                new AttemptStarted(id, run, 1, "local", "1", "h", 1, "/a/1", T0),
                new AttemptEnded(id, 1, AttemptOutcome.OutOfMemory, 137, null, T0),
                new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Failed, FailureReason.OutOfMemory, null, T0.AddHours(-1).ToOffset(TimeSpan.FromHours(5))),
            ], Token);
        }

        Assert.Equal(["failed|out of memory|2026-03-14T14:09:26.5358979Z"], RawSqlite.Column(_path, "SELECT state || '|' || reason || '|' || updated_at FROM tasks"));
        Assert.Equal(["waiting", "failed"], RawSqlite.Column(_path, "SELECT state FROM state_history ORDER BY id"));
        Assert.Equal(["out_of_memory"], RawSqlite.Column(_path, "SELECT outcome FROM attempts"));
        Assert.Equal(["running"], RawSqlite.Column(_path, "SELECT status FROM runs"));
        Assert.Equal(["[\"gpu\",\"é\"]"], RawSqlite.Column(_path, "SELECT tags FROM workflow_tasks"));
    }

    [Fact]
    public async Task Disposing_the_store_closes_its_files()
    {
        var store = await SqliteStore.OpenAsync(_path, cancellationToken: Token);
        var graph = new TestGraphBuilder("wf").Task("a").Build();
        await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), T0, Token);
        await store.ListTasksAsync(new TaskFilter(), Token);

        await store.DisposeAsync();

        // The last connection to close checkpoints the WAL and removes it: nothing holds the file any more.
        Assert.False(File.Exists(_path + "-wal"));
        Assert.False(File.Exists(_path + "-shm"));
        File.Delete(_path);
    }

    [Fact]
    public async Task A_workflow_of_100000_tasks_registers_fully_and_again_with_the_same_ids()
    {
        const int count = 100_000;
        var graph = TestGraphs.Large(count);
        var directories = TestGraphs.Directories(graph);
        var parameters = TestGraphs.ParamsJson(graph);
        await using var store = await SqliteStore.OpenAsync(_path, cancellationToken: Token);

        var first = await store.RegisterWorkflowAsync(graph, directories, parameters, T0, Token);

        Assert.True(first.Created);
        Assert.Equal(count, first.TaskIds.Distinct().Count());
        Assert.All(first.States, s => Assert.Equal(TaskState.Waiting, s));
        Assert.Equal(count, RawSqlite.Count(_path, "tasks"));
        Assert.Equal(count, RawSqlite.Count(_path, "workflow_tasks"));
        Assert.Equal(count, RawSqlite.Count(_path, "state_history"));
        Assert.Equal(graph.EdgeCount, RawSqlite.Count(_path, "edges"));
        // Edges point the right way: task 7 runs after task 3.
        Assert.Equal(1L, RawSqlite.Scalar(_path,
            $"SELECT count(*) FROM edges WHERE downstream_task_id = {first.TaskIds[7]} AND upstream_task_id = {first.TaskIds[3]}"));

        var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync(
        [
            .. first.TaskIds.Take(1000).Select(id =>
                (StoreChange)new TaskStateChanged(id, run, TaskState.Waiting, TaskState.Done, FailureReason.None, null, T0)),
        ], Token);

        var again = await store.RegisterWorkflowAsync(TestGraphs.Large(count), directories, parameters, T0.AddDays(1), Token);

        Assert.False(again.Created);
        Assert.Equal(first.WorkflowId, again.WorkflowId);
        Assert.Equal(first.TaskIds, again.TaskIds);
        Assert.Equal(1000, again.States.Count(s => s == TaskState.Done));
        Assert.Equal(count + 1000, RawSqlite.Count(_path, "state_history"));

        var rows = await store.ListTasksAsync(new TaskFilter { Tag = "odd", States = [TaskState.Done] }, Token);
        Assert.Equal(500, rows.Count);
    }
}
