using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Graphs;

namespace Baton.Testing.Stores;

/// <summary>Opening again, disposing, cancelling, concurrent use.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Everything_is_there_after_the_store_is_opened_again()
    {
        WorkflowRegistration first;
        await using (var store = await OpenAsync())
        {
            first = await RegisterAsync(store, Diamond());
            var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
            await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0), Token);
        }

        await using var reopened = await OpenAsync();
        var again = await RegisterAsync(reopened, Diamond());

        Assert.False(again.Created);
        Assert.Equal(first.TaskIds, again.TaskIds);
        Assert.Equal(TaskState.Done, again.States[0]);
        Assert.Single(await reopened.ListRunsAsync(null, Token));
    }

    [Fact]
    public async Task A_disposed_store_refuses_work_and_may_be_disposed_again()
    {
        var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () =>
            await store.ApplyAsync([new TaskStateChanged(registration.TaskIds[0], 1, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0)], Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ListTasksAsync(new TaskFilter(), Token));
        await store.DisposeAsync();
    }

    [Fact]
    public async Task A_cancelled_call_changes_nothing()
    {
        await using var store = await OpenAsync();
        var graph = Diamond();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), T0, cancelled.Token));
        Assert.Empty(await store.ListTasksAsync(new TaskFilter(), Token));

        var registration = await RegisterAsync(store, graph);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.ApplyAsync(
            [new TaskStateChanged(registration.TaskIds[0], 1, TaskState.Waiting, TaskState.Ready, FailureReason.None, null, T0)],
            cancelled.Token));
        Assert.All(await store.ListTasksAsync(new TaskFilter(), Token), r => Assert.Equal(TaskState.Waiting, r.State));
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_in_one_process_do_not_interfere()
    {
        await using var store = await OpenAsync();
        var graph = TestGraphs.Large(200, "concurrent");
        var registration = await RegisterAsync(store, graph);
        var run = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);

        var writers = registration.TaskIds.Chunk(20).Select(ids => Task.Run(async () =>
        {
            foreach (var id in ids)
            {
                await store.ApplyAsync(RunToDone(id, run, T0), Token);
            }
        }, Token));
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(200, (await store.ListTasksAsync(new TaskFilter(), Token)).Count);
            }
        }, Token));
        await Task.WhenAll(writers.Concat(readers));

        var rows = await store.ListTasksAsync(new TaskFilter(), Token);
        Assert.All(rows, r => Assert.Equal(TaskState.Done, r.State));
    }
}
