using Baton.Client;
using Baton.Hosting.Api;
using Baton.Hosting.Queries;
using Baton.Hosting.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Pages;

/// <summary>
/// The pages' buttons: a form posted with its antiforgery token, allowed by the same rules as the API's (the submit
/// scope, and <see cref="RunAccess"/>: a submit token changes only the runs it submitted), then back to the page.
/// </summary>
internal static class Actions
{
    /// <summary>How long the kill button waits for the task to be killed before it shows the page again.</summary>
    private static readonly TimeSpan KillPatience = TimeSpan.FromSeconds(15);

    public static async Task<IResult> KillTaskAsync(HttpContext context, IAntiforgery antiforgery, NodeQueries queries, NodeServerState state, long id, CancellationToken cancellationToken)
    {
        if (await RefusedFormAsync(context, antiforgery) is { } refused)
        {
            return refused;
        }
        var details = await queries.GetTaskAsync(id, cancellationToken) ?? throw new NotFoundException($"no task {id} in this workspace");
        if (await NodeEndpoints.ControlOf(state.Node, details.Task.Workflow) is not { } control)
        {
            return Layout.Result(context, "Nothing to kill", Html.Of($"<h1>Nothing to kill</h1><p>No run of workflow <code>{details.Task.Workflow}</code> is live in this node. <a href=\"{DashboardPaths.Task(id)}\">Back to {details.Task.Name}</a></p>"), StatusCodes.Status409Conflict);
        }
        if (await RunAccess.RefusalAsync(context.User, state.Node.Store, control.RunId, cancellationToken) is { } refusal)
        {
            return Layout.Result(context, "Not allowed", Html.Of($"<h1>Not allowed</h1><p>{refusal}</p>"), StatusCodes.Status403Forbidden);
        }
        try
        {
            await control.KillAsync([details.Task.Name], cancellationToken).WaitAsync(KillPatience, state.Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Still being killed: the page shows it as killing.
        }
        return Results.Redirect(DashboardPaths.Task(id));
    }

    public static async Task<IResult> InterruptRunAsync(HttpContext context, IAntiforgery antiforgery, NodeServerState state, long id, CancellationToken cancellationToken)
    {
        if (await RefusedFormAsync(context, antiforgery) is { } refused)
        {
            return refused;
        }
        if (state.Node.Engine.Find(id) is not { } run)
        {
            return Layout.Result(context, "Not live", Html.Of($"<h1>Not live</h1><p>Run {id} is not driven by this node. <a href=\"{DashboardPaths.Run(id)}\">Back to the run</a></p>"), StatusCodes.Status409Conflict);
        }
        if (await RunAccess.RefusalAsync(context.User, state.Node.Store, id, cancellationToken) is { } refusal)
        {
            return Layout.Result(context, "Not allowed", Html.Of($"<h1>Not allowed</h1><p>{refusal}</p>"), StatusCodes.Status403Forbidden);
        }
        run.Interrupt();
        return Results.Redirect(DashboardPaths.Run(id));
    }

    private static async Task<IResult?> RefusedFormAsync(HttpContext context, IAntiforgery antiforgery) =>
        await antiforgery.IsRequestValidAsync(context)
            ? null
            : Layout.Result(context, "Expired form", Html.Of($"<h1>The form expired</h1><p>Reload the page and try again.</p>"), StatusCodes.Status400BadRequest);
}
