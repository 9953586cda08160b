using Baton.Core.Stores;

namespace Baton.Testing.Stores;

/// <summary>Runs: opening, closing, listing.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Runs_are_listed_newest_first_with_their_status()
    {
        await using var store = await OpenAsync();
        var a = await RegisterAsync(store, Diamond("a"));
        var b = await RegisterAsync(store, Diamond("b"));
        var first = await store.StartRunAsync(a.WorkflowId, "host-1", 100, T0, Token);
        var second = await store.StartRunAsync(b.WorkflowId, "host-2", 200, T0.AddMinutes(1), Token);
        var third = await store.StartRunAsync(a.WorkflowId, "host-1", 300, T0.AddMinutes(2), Token);
        await store.FinishRunAsync(first, RunStatus.Failed, T0.AddMinutes(3), Token);
        await store.FinishRunAsync(second, RunStatus.Done, T0.AddMinutes(4), Token);

        var runs = await store.ListRunsAsync(null, Token);

        var (fileA, fileB, dag) = (Diamond("a").SourceFile, Diamond("b").SourceFile, Diamond("a").DagHash);
        Assert.Equal(
        [
            new RunRow(third, a.WorkflowId, "a", RunStatus.Running, T0.AddMinutes(2), null, "host-1", 300) { SourceFile = fileA, DagHash = dag },
            new RunRow(second, b.WorkflowId, "b", RunStatus.Done, T0.AddMinutes(1), T0.AddMinutes(4), "host-2", 200) { SourceFile = fileB, DagHash = dag },
            new RunRow(first, a.WorkflowId, "a", RunStatus.Failed, T0, T0.AddMinutes(3), "host-1", 100) { SourceFile = fileA, DagHash = dag },
        ], runs);
        Assert.Equal([third, first], (await store.ListRunsAsync("a", Token)).Select(r => r.RunId));
        Assert.Empty(await store.ListRunsAsync("c", Token));
    }

    [Fact]
    public async Task An_interrupted_run_is_listed_as_interrupted()
    {
        await using var store = await OpenAsync();
        var a = await RegisterAsync(store, Diamond("a"));
        var run = await store.StartRunAsync(a.WorkflowId, "h", 1, T0, Token);

        await store.FinishRunAsync(run, RunStatus.Interrupted, T0.AddSeconds(1), Token);

        Assert.Equal(RunStatus.Interrupted, Assert.Single(await store.ListRunsAsync(null, Token)).Status);
    }

    [Fact]
    public async Task One_run_is_found_by_id_as_it_is_listed()
    {
        await using var store = await OpenAsync();
        var a = await RegisterAsync(store, Diamond("a"));
        var first = await store.StartRunAsync(a.WorkflowId, "host-1", 100, T0, Token);
        var second = await store.StartRunAsync(a.WorkflowId, "host-2", 200, T0.AddMinutes(1), Token);
        await store.FinishRunAsync(first, RunStatus.Failed, T0.AddMinutes(3), Token);

        var listed = await store.ListRunsAsync(null, Token);

        Assert.Equal(listed.Single(r => r.RunId == first), await store.GetRunAsync(first, Token));
        Assert.Equal(listed.Single(r => r.RunId == second), await store.GetRunAsync(second, Token));
        Assert.Equal(RunStatus.Failed, (await store.GetRunAsync(first, Token))!.Status);
        Assert.Null(await store.GetRunAsync(second + 1000, Token));
    }
}
