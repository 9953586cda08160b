using Baton.Core.Errors;
using Baton.Core.Stores;

namespace Baton.Cli.Commands;

/// <summary>Finds the one task a user means by a name or an identity prefix.</summary>
internal static class TaskResolver
{
    public static async Task<TaskRow> ResolveAsync(IBatonStore store, string nameOrIdentity, string? workflow, CancellationToken cancellationToken)
    {
        var rows = await store.ListTasksAsync(new TaskFilter { NameOrIdentity = nameOrIdentity, Workflow = workflow }, cancellationToken);
        if (rows.Count == 0)
        {
            var where = workflow is null ? "" : $" of workflow '{workflow}'";
            throw new BatonInputException($"no task '{nameOrIdentity}'{where} in this workspace (see 'baton ls')");
        }
        var distinct = rows.DistinctBy(r => r.TaskId).ToList();
        if (distinct.Count > 1)
        {
            var candidates = string.Join(", ", distinct.Take(5).Select(r => $"{r.Workflow}/{r.Name} ({r.Identity[..12]})"));
            throw new BatonInputException($"'{nameOrIdentity}' matches {distinct.Count} tasks: {candidates}; add --workflow or give more of the identity");
        }
        return rows[0];
    }
}
