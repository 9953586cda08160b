using Baton.Client;
using Baton.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Api;

/// <summary>
/// <c>/healthz</c> (the process answers) and <c>/readyz</c> (and its store answers), without a token: for load
/// balancers and orchestrators. They tell nothing about runs.
/// </summary>
public static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder app, NodeServerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        app.MapGet("/healthz", () => TypedResults.Text("ok\n"))
            .AllowAnonymous().WithName("healthz").WithSummary("Live: the node's process answers");
        app.MapGet("/readyz", async (CancellationToken cancellationToken) =>
        {
            try
            {
                await state.Node.Store.LatestEventSequenceAsync(cancellationToken).ConfigureAwait(false);
                return Results.Text("ready\n");
            }
            catch (Exception ex) when (ex is BatonInputException or StoreDamagedException or InvalidOperationException or IOException)
            {
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ApiProblems.StoreDamaged,
                    title: "the store cannot be read", detail: "the store cannot be read");
            }
        }).AllowAnonymous().WithName("readyz").WithSummary("Ready: the node's store answers");
    }
}
