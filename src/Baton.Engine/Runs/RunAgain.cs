using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Engine.Runs;

/// <summary>
/// Puts finished tasks back in line to run again: a Done, Failed or Killed task becomes Waiting with its attempt
/// count reset. Its directory and earlier attempts stay where they are (the next attempt is the next number under
/// <c>attempts/</c>), so earlier logs stay readable. Used between runs by <c>baton invalidate</c>, and by a run for
/// the tasks of <see cref="RunOptions.Force"/> and for Done tasks whose directory has disappeared.
/// </summary>
public static class RunAgain
{
    /// <summary>
    /// The change that puts a task back in line, checked against the transition table; null when the task is not
    /// Done, Failed or Killed (it is in line already, or running).
    /// </summary>
    /// <param name="runId">The run making the change; 0 outside a run.</param>
    public static TaskStateChanged? Change(long taskId, string name, TaskState from, long runId, string why, DateTimeOffset at)
    {
        if (from is not (TaskState.Done or TaskState.Failed or TaskState.Killed))
        {
            return null;
        }
        TaskLifecycle.Ensure(name, from, TaskState.Waiting);
        return new TaskStateChanged(taskId, runId, from, TaskState.Waiting, FailureReason.None, why, at, AttemptCount: 0);
    }

    /// <summary>
    /// The graph indices of the tasks <paramref name="names"/> designate (a task name, or at least 4 leading digits
    /// of an identity); throws <see cref="BatonInputException"/> for one that names no task of the graph.
    /// </summary>
    public static IReadOnlySet<int> Resolve(WorkflowGraph graph, IReadOnlyList<string> names)
    {
        var found = new HashSet<int>();
        foreach (var name in names)
        {
            var before = found.Count;
            var isPrefix = name.Length >= 4 && name.All(char.IsAsciiHexDigit);
            for (var t = 0; t < graph.Tasks.Count; t++)
            {
                var task = graph.Tasks[t];
                if (task.Name == name || (isPrefix && task.Identity.Hex.StartsWith(name, StringComparison.OrdinalIgnoreCase)))
                {
                    found.Add(t);
                }
            }
            if (found.Count == before && !graph.Tasks.Any(t => t.Name == name))
            {
                throw new BatonInputException(new SourceLocation(graph.SourceFile, 1, 1),
                    $"--force '{name}': workflow '{graph.Name}' has no task of that name or identity");
            }
        }
        return found;
    }

    /// <summary>
    /// At the start of a run: the forced tasks that are Done, and the Done tasks whose directory is gone (their
    /// outputs are lost), wait to run again. Returns the registration with their new states; each is reported
    /// through <paramref name="notice"/>.
    /// </summary>
    internal static async Task<WorkflowRegistration> BeforeRunAsync(
        WorkflowGraph graph,
        WorkflowRegistration registration,
        IReadOnlyList<string> directories,
        IReadOnlySet<int> forced,
        long runId,
        IBatonStore store,
        TimeProvider time,
        Action<string> notice,
        CancellationToken cancellationToken)
    {
        var changes = new List<StoreChange>();
        var states = registration.States;
        var missing = new List<string>();
        var forcedNames = new List<string>();
        var now = time.GetUtcNow();
        for (var t = 0; t < states.Length; t++)
        {
            if (states[t] != TaskState.Done)
            {
                continue;
            }
            string why;
            if (forced.Contains(t))
            {
                why = "forced to run again (--force)";
                forcedNames.Add(graph.Tasks[t].Name);
            }
            else if (!Directory.Exists(directories[t]))
            {
                why = $"its directory {directories[t]} disappeared: runs again";
                missing.Add(graph.Tasks[t].Name);
            }
            else
            {
                continue;
            }
            changes.Add(Change(registration.TaskIds[t], graph.Tasks[t].Name, TaskState.Done, runId, why, now)!);
            if (ReferenceEquals(states, registration.States))
            {
                states = (TaskState[])states.Clone();
            }
            states[t] = TaskState.Waiting;
        }
        if (changes.Count == 0)
        {
            return registration;
        }
        await store.ApplyAsync(changes, cancellationToken);
        if (missing.Count > 0)
        {
            notice($"{missing.Count} done task(s) whose directory disappeared run again: {Names(missing)}");
        }
        if (forcedNames.Count > 0)
        {
            notice($"{forcedNames.Count} done task(s) forced to run again: {Names(forcedNames)}");
        }
        return registration with { States = states };
    }

    private static string Names(List<string> names) =>
        string.Join(", ", names.Take(10)) + (names.Count > 10 ? $" and {names.Count - 10} more" : "");
}
