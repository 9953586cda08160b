using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Engine.Status;

/// <summary>Counts of tasks per state, for <c>baton runs</c> and a server's status page.</summary>
public static class StatusReport
{
    /// <summary>How many of the tasks <paramref name="filter"/> selects are in each state (states with none left out).</summary>
    public static async Task<IReadOnlyDictionary<TaskState, int>> CountsAsync(IBatonStore store, TaskFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var tasks = await store.ListTasksAsync(filter, cancellationToken);
        return tasks.GroupBy(t => t.State).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>"3 done, 1 failed" in state order; "no tasks" when empty.</summary>
    public static string Describe(IReadOnlyDictionary<TaskState, int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return counts.Count == 0 ? "no tasks" : string.Join(", ", counts.Select(kv => $"{kv.Value} {kv.Key.ToWord()}"));
    }
}
