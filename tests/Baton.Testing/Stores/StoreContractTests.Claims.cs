using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Testing.Stores;

/// <summary>Task claims: which run holds a task.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task A_task_is_claimed_by_the_first_run_and_the_second_sees_who_holds_it_and_its_state()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var run1 = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        var run2 = await store.StartRunAsync(registration.WorkflowId, "h", 2, T0, Token);
        var first = new ClaimOwner(run1, "h", 1, 100);
        var second = new ClaimOwner(run2, "h", 2, 200);
        var ids = registration.TaskIds;

        var claimed = await store.ClaimTasksAsync(first, ids[..2], [], T0, Token);
        await store.ApplyAsync(RunToDone(ids[0], run1, T0), Token);
        var seen = await store.ClaimTasksAsync(second, ids, [], T0, Token);

        Assert.All(claimed, c => Assert.Equal(first, c.Owner));
        Assert.Equal(4, seen.Count);
        var byTask = seen.ToDictionary(c => c.TaskId);
        Assert.Equal(first, byTask[ids[0]].Owner);
        Assert.Equal(TaskState.Done, byTask[ids[0]].State);
        Assert.Equal(1, byTask[ids[0]].LastAttemptNumber);
        Assert.Equal(first, byTask[ids[1]].Owner);
        Assert.Equal(second, byTask[ids[2]].Owner);
        Assert.Equal(second, byTask[ids[3]].Owner);
    }

    [Fact]
    public async Task Claims_of_a_dead_owner_are_taken_over_and_a_released_run_holds_nothing()
    {
        await using var store = await OpenAsync();
        var registration = await RegisterAsync(store, Diamond());
        var run1 = await store.StartRunAsync(registration.WorkflowId, "h", 1, T0, Token);
        var run2 = await store.StartRunAsync(registration.WorkflowId, "h", 2, T0, Token);
        var dead = new ClaimOwner(run1, "h", 1, 100);
        var alive = new ClaimOwner(run2, "h", 2, 200);
        var ids = registration.TaskIds;
        await store.ClaimTasksAsync(dead, ids, [], T0, Token);

        // A claim is dropped only for exactly the owner named dead: another process with the same pid is not it.
        var notThatOne = await store.ClaimTasksAsync(alive, ids, [dead with { StartTime = 999 }], T0, Token);
        var takenOver = await store.ClaimTasksAsync(alive, ids, [dead], T0, Token);
        await store.ReleaseClaimsAsync(run2, Token);
        var afterRelease = await store.ClaimTasksAsync(dead with { RunId = run1 }, ids[..1], [], T0, Token);

        Assert.All(notThatOne, c => Assert.Equal(dead, c.Owner));
        Assert.All(takenOver, c => Assert.Equal(alive, c.Owner));
        Assert.Equal(dead, Assert.Single(afterRelease).Owner);
    }
}
