using System.Security.Claims;
using Baton.Core.Stores;

namespace Baton.Hosting.Security;

/// <summary>
/// Who may change a run (kill, interrupt, set, limit): admin may change any; submit only the runs its owner submitted
/// (the run's <see cref="RunRow.SubmittedBy"/> is the caller's name); read none.
/// </summary>
public static class RunAccess
{
    /// <summary>Null when <paramref name="user"/> may change run <paramref name="runId"/>; else why not, in one line (a 403).</summary>
    public static async Task<string?> RefusalAsync(ClaimsPrincipal user, IBatonStore store, long runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(store);
        if (user.Has(TokenScope.Admin))
        {
            return null;
        }
        if (!user.Has(TokenScope.Submit))
        {
            return "changing a run needs a token with scope submit (its own runs) or admin";
        }
        var run = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run?.SubmittedBy is { } owner && owner == user.NameOf())
        {
            return null;
        }
        return $"run {runId} was submitted by {(run?.SubmittedBy is { } who ? $"'{who}'" : "someone else")}: a submit token may change only the runs it submitted (admin may change all)";
    }
}
