using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Testing.Graphs;

namespace Baton.Testing.Stores;

/// <summary>Listing and finding tasks.</summary>
public abstract partial class StoreContractTests
{
    private static async Task<(WorkflowRegistration Sweep, WorkflowRegistration Eval)> RegisterForFiltersAsync(IBatonStore store)
    {
        var sweep = new TestGraphBuilder("sweep")
            .Task("train-1", value: "1", template: "train", tags: ["gpu"])
            .Task("train-10", value: "10", template: "train", tags: ["gpu-large"])
            .Task("eval-1", value: "1", template: "eval", after: ["train-1"], tags: ["cpu", "gpu"])
            .Build();
        var eval = new TestGraphBuilder("report")
            .Task("summary", value: "s", template: "report")
            .Task("eval-again", value: "1", template: "eval", after: ["summary"])
            .Build();
        var first = await RegisterAsync(store, sweep);
        var second = await RegisterAsync(store, eval);
        var run = await store.StartRunAsync(first.WorkflowId, "h", 1, T0, Token);
        await store.ApplyAsync(RunToDone(first.TaskIds[0], run, T0), Token);
        await store.ApplyAsync(
            [new TaskStateChanged(first.TaskIds[1], run, TaskState.Waiting, TaskState.Failed, FailureReason.UpstreamFailed, null, T0)],
            Token);
        return (first, second);
    }

    [Fact]
    public async Task List_without_a_filter_gives_every_task_of_every_workflow_in_declaration_order()
    {
        await using var store = await OpenAsync();
        var (sweep, report) = await RegisterForFiltersAsync(store);

        var rows = await store.ListTasksAsync(new TaskFilter(), Token);

        Assert.Equal(["sweep", "sweep", "sweep", "report", "report"], rows.Select(r => r.Workflow));
        Assert.Equal(["train-1", "train-10", "eval-1", "summary", "eval-again"], rows.Select(r => r.Name));
        // eval-1 and eval-again are one task (same template and value), listed once per workflow.
        Assert.Equal(sweep.TaskIds[2], report.TaskIds[1]);
        Assert.Equal(rows[2].TaskId, rows[4].TaskId);
        Assert.Equal(rows[2].Identity, rows[4].Identity);
        Assert.Equal(["cpu", "gpu"], rows[2].Tags);
        Assert.Empty(rows[4].Tags);
        Assert.Equal(TaskState.Done, rows[0].State);
        Assert.Equal(0, rows[0].LastExitCode);
        Assert.Equal(TaskState.Failed, rows[1].State);
        Assert.Equal(FailureReason.UpstreamFailed, rows[1].Reason);
    }

    [Fact]
    public async Task List_filters_by_workflow_state_and_template()
    {
        await using var store = await OpenAsync();
        await RegisterForFiltersAsync(store);

        async Task<string[]> Names(TaskFilter filter) =>
            [.. (await store.ListTasksAsync(filter, Token)).Select(r => $"{r.Workflow}/{r.Name}")];

        Assert.Equal(["report/summary", "report/eval-again"], await Names(new TaskFilter { Workflow = "report" }));
        Assert.Empty(await Names(new TaskFilter { Workflow = "nope" }));
        Assert.Equal(["sweep/train-1"], await Names(new TaskFilter { States = [TaskState.Done] }));
        Assert.Equal(["sweep/train-1", "sweep/train-10"], await Names(new TaskFilter { States = [TaskState.Failed, TaskState.Done] }));
        Assert.Empty(await Names(new TaskFilter { States = [] }));
        Assert.Equal(["sweep/eval-1", "report/eval-again"], await Names(new TaskFilter { Template = "eval" }));
        Assert.Equal(["sweep/eval-1"], await Names(new TaskFilter { Template = "eval", Workflow = "sweep", States = [TaskState.Waiting] }));
    }

    [Fact]
    public async Task List_filters_by_exact_tag()
    {
        await using var store = await OpenAsync();
        await RegisterForFiltersAsync(store);

        async Task<string[]> Names(string tag) =>
            [.. (await store.ListTasksAsync(new TaskFilter { Tag = tag }, Token)).Select(r => r.Name)];

        Assert.Equal(["train-1", "eval-1"], await Names("gpu"));
        Assert.Equal(["train-10"], await Names("gpu-large"));
        Assert.Empty(await Names("gp"));
        Assert.Empty(await Names("large"));
        Assert.Empty(await Names("\"gpu\""));
    }

    [Fact]
    public async Task List_finds_a_task_by_exact_name_or_identity_prefix()
    {
        await using var store = await OpenAsync();
        var (sweep, _) = await RegisterForFiltersAsync(store);
        var identity = (await store.GetTaskDetailsAsync(sweep.TaskIds[1], Token))!.Task.Identity;

        async Task<string[]> Names(string text) =>
            [.. (await store.ListTasksAsync(new TaskFilter { NameOrIdentity = text }, Token)).Select(r => r.Name)];

        Assert.Equal(["train-1"], await Names("train-1"));
        Assert.Empty(await Names("train"));
        Assert.Equal(["train-10"], await Names(identity[..6]));
        Assert.Equal(["train-10"], await Names(identity[..4].ToUpperInvariant()));
        Assert.Equal(["train-10"], await Names(identity));
        Assert.Empty(await Names(identity[..3]));
        Assert.Empty(await Names(identity[..10] + "x"));
    }

    [Fact]
    public async Task List_stops_at_the_limit()
    {
        await using var store = await OpenAsync();
        await RegisterForFiltersAsync(store);

        var rows = await store.ListTasksAsync(new TaskFilter { Limit = 2 }, Token);

        Assert.Equal(["train-1", "train-10"], rows.Select(r => r.Name));
        Assert.Empty(await store.ListTasksAsync(new TaskFilter { Limit = 0 }, Token));
    }

    [Fact]
    public async Task Details_of_an_unknown_task_are_null()
    {
        await using var store = await OpenAsync();
        await RegisterAsync(store, Diamond());

        Assert.Null(await store.GetTaskDetailsAsync(long.MaxValue, Token));
    }

    [Fact]
    public async Task Workflow_versions_are_listed_and_tasks_filter_by_workflow_version_and_attribute()
    {
        await using var store = await OpenAsync();
        var v1 = await RegisterAsync(store, Diamond("w"));
        var changed = new TestGraphBuilder("w").Task("prepare").Task("other", after: ["prepare"]).Build();
        var v2 = await RegisterAsync(store, changed);

        var versions = await store.ListWorkflowsAsync("w", Token);

        Assert.Equal([v1.WorkflowId, v2.WorkflowId], versions.Select(w => w.WorkflowId));
        Assert.Equal([Diamond("w").DagHash, changed.DagHash], versions.Select(w => w.DagHash));
        Assert.Empty(await store.ListWorkflowsAsync("nope", Token));
        Assert.Equal(4, (await store.ListTasksAsync(new TaskFilter { WorkflowId = v1.WorkflowId }, Token)).Count);
        Assert.Equal(["prepare", "other"], (await store.ListTasksAsync(new TaskFilter { WorkflowId = v2.WorkflowId }, Token)).Select(t => t.Name));
        Assert.Equal(6, (await store.ListTasksAsync(new TaskFilter { Workflow = "w" }, Token)).Count);
        Assert.Empty(await store.ListTasksAsync(new TaskFilter { Attribute = new("owner", "alice") }, Token));
        var tagged = new TestGraphBuilder("t").Task("x", attributes: new Dictionary<string, string> { ["owner"] = "alice" }).Task("y").Build();
        await RegisterAsync(store, tagged);
        Assert.Equal(["x"], (await store.ListTasksAsync(new TaskFilter { Attribute = new("owner", "alice") }, Token)).Select(t => t.Name));
    }
}
