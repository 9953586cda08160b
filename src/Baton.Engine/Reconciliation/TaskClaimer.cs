using Baton.Core.Stores;

namespace Baton.Engine.Reconciliation;

/// <summary>
/// Claims tasks for a run: every task nobody holds, and every task whose holder is gone (its process no longer
/// runs), whose claim is taken over. Returns who holds each task afterwards.
/// </summary>
internal static class TaskClaimer
{
    public static async Task<IReadOnlyList<TaskClaim>> ClaimAsync(
        IBatonStore store, IClaimOwnerProbe probe, ClaimOwner self, IReadOnlyList<long> taskIds, TimeProvider time, CancellationToken cancellationToken)
    {
        if (taskIds.Count == 0)
        {
            return [];
        }
        var claims = await store.ClaimTasksAsync(self, taskIds, [], time.GetUtcNow(), cancellationToken);
        var dead = claims
            .Select(c => c.Owner)
            .Where(o => o != self && !o.IsSameProcess(self))
            .Distinct()
            .Where(o => !probe.IsAlive(o))
            .ToList();
        return dead.Count == 0 ? claims : await store.ClaimTasksAsync(self, taskIds, dead, time.GetUtcNow(), cancellationToken);
    }
}
