using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Hosting.Queries;

namespace Baton.Cli.Commands;

/// <summary>Finds the one task a user means by a name or an identity prefix.</summary>
internal static class TaskResolver
{
    /// <summary>How many rows are read to tell one task from several.</summary>
    private const int Candidates = 100;

    public static Task<TaskRow> ResolveAsync(IBatonStore store, string nameOrIdentity, string? workflow, CancellationToken cancellationToken) =>
        ResolveAsync(new NodeQueries(store, null, TimeProvider.System), nameOrIdentity, workflow, cancellationToken);

    public static async Task<TaskRow> ResolveAsync(INodeReads reads, string nameOrIdentity, string? workflow, CancellationToken cancellationToken)
    {
        var rows = (await reads.ListTasksAsync(new TaskQuery { Text = nameOrIdentity, Workflow = workflow, AllVersions = true, Limit = Candidates }, cancellationToken)).Tasks;
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
