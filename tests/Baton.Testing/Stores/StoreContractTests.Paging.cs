using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Graphs;

namespace Baton.Testing.Stores;

/// <summary>Keyset paging of tasks and counts per state computed by the store.</summary>
public abstract partial class StoreContractTests
{
    private static async Task<List<TaskRow>> ReadAllPagesAsync(IBatonStore store, TaskFilter filter, int pageSize, Func<int, Task>? betweenPages = null)
    {
        var rows = new List<TaskRow>();
        TaskPageKey? after = null;
        for (var page = 0; ; page++)
        {
            var next = await store.ListTasksPageAsync(filter, after, pageSize, Token);
            Assert.True(next.Tasks.Count <= pageSize);
            rows.AddRange(next.Tasks);
            if (next.Next is null)
            {
                return rows;
            }
            Assert.Equal(pageSize, next.Tasks.Count);
            after = next.Next;
            if (betweenPages is not null)
            {
                await betweenPages(page);
            }
        }
    }

    private static (long, string, long) Key(TaskRow row) => (row.WorkflowId, row.Name, row.TaskId);

    // What a listing shows of a row (TaskRow's tags are a list, compared by reference).
    private static (long, string, string, long, TaskState, string) Shown(TaskRow row) =>
        (row.WorkflowId, row.Workflow, row.Name, row.TaskId, row.State, string.Join(",", row.Tags));

    private static WorkflowGraph Prefix(WorkflowGraph full, int count) =>
        new(full.Name, full.WorkflowArgs, full.SourceFile, full.WorkflowDirectory, full.Tasks.Take(count).ToArray(), full.Upstream.Take(count).ToArray());

    [Fact]
    public async Task Pages_list_every_row_once_in_listing_order_with_the_same_filters()
    {
        await using var store = await OpenAsync();
        var (sweep, _) = await RegisterForFiltersAsync(store);
        await RegisterAsync(store, TestGraphs.Large(23, "big"));

        foreach (var filter in new[] { new TaskFilter(), new TaskFilter { Workflow = "big" }, new TaskFilter { Template = "eval" }, new TaskFilter { Tag = "even", Limit = 2 }, new TaskFilter { WorkflowId = sweep.WorkflowId } })
        {
            var listed = await store.ListTasksAsync(filter with { Limit = null }, Token);
            foreach (var size in new[] { 1, 4, 5, 1000 })
            {
                Assert.Equal(listed.Select(Shown), (await ReadAllPagesAsync(store, filter, size)).Select(Shown));
            }
        }
        var rows = await store.ListTasksAsync(new TaskFilter(), Token);
        Assert.Equal(sweep.WorkflowId, rows[0].WorkflowId);
        Assert.Equal(28, rows.Count);
        Assert.Empty((await store.ListTasksPageAsync(new TaskFilter { Workflow = "nope" }, null, 10, Token)).Tasks);
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(async () => await store.ListTasksPageAsync(new TaskFilter(), null, 0, Token));
    }

    [Fact]
    public async Task Paging_returns_each_row_that_existed_exactly_once_while_tasks_and_workflows_are_added()
    {
        await using var store = await OpenAsync();
        var full = TestGraphs.Large(30, "growing");
        var growing = await RegisterAsync(store, Prefix(full, 10));
        await RegisterAsync(store, TestGraphs.Large(12, "second", valuePrefix: "s"));
        var before = await store.ListTasksAsync(new TaskFilter(), Token);
        var added = 10;

        var paged = await ReadAllPagesAsync(store, new TaskFilter(), 3, async page =>
        {
            // Between pages: the first workflow grows (behind the reader, soon) and a new workflow appears (ahead).
            if (added < 30)
            {
                var grown = Prefix(full, added + 2);
                await store.AddTasksAsync(growing.WorkflowId, grown, added, TestGraphs.Directories(grown)[added..], TestGraphs.ParamsJson(grown)[added..], T0, Token);
                added += 2;
            }
            if (page == 2)
            {
                await RegisterAsync(store, TestGraphs.Large(5, "third", valuePrefix: "t"));
            }
        });

        Assert.Equal(paged.Count, paged.Select(Key).Distinct().Count());
        Assert.Subset(paged.Select(Key).ToHashSet(), before.Select(Key).ToHashSet());
        Assert.Contains(paged, r => r.Workflow == "third");
    }

    [Fact]
    public async Task A_page_key_round_trips_through_its_text()
    {
        var key = new TaskPageKey(12, 345);

        Assert.True(TaskPageKey.TryParse(key.ToString(), out var parsed));
        Assert.Equal(key, parsed);
        Assert.False(TaskPageKey.TryParse("12", out _));
        Assert.False(TaskPageKey.TryParse("x.1", out _));
        Assert.False(TaskPageKey.TryParse("-1.2", out _));
        Assert.False(TaskPageKey.TryParse(null, out _));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Counts_per_state_are_those_of_the_rows_the_same_filter_lists()
    {
        await using var store = await OpenAsync();
        var (sweep, report) = await RegisterForFiltersAsync(store);

        foreach (var filter in new[] { new TaskFilter(), new TaskFilter { Workflow = "sweep" }, new TaskFilter { WorkflowId = report.WorkflowId }, new TaskFilter { Template = "eval" }, new TaskFilter { States = [TaskState.Done] }, new TaskFilter { Limit = 1 } })
        {
            var expected = (await store.ListTasksAsync(filter with { Limit = null }, Token)).GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count());
            var counts = await store.CountTasksAsync(filter, Token);
            Assert.Equal(expected.OrderBy(kv => kv.Key), counts.OrderBy(kv => kv.Key));
        }
        Assert.Equal(
            [(TaskState.Waiting, 1), (TaskState.Done, 1), (TaskState.Failed, 1)],
            (await store.CountTasksAsync(new TaskFilter { WorkflowId = sweep.WorkflowId }, Token)).OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)));
        Assert.Empty(await store.CountTasksAsync(new TaskFilter { Workflow = "nope" }, Token));
    }
}
