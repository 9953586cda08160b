using Baton.Client;
using Baton.Core.Errors;
using Baton.Hosting.Bundles;
using Baton.Hosting.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Api;

/// <summary>
/// <c>POST /api/v1/bundles</c>: a remote client uploads its workflow's directory as a zip before it submits the run
/// (<see cref="RunSubmission.Bundle"/>). Submit scope; the route takes bodies up to the bundle limit, not the
/// server's 1 MiB default.
/// </summary>
internal static class BundleEndpoints
{
    public static void MapBundles(this RouteGroupBuilder api, InputBundles bundles)
    {
        api.MapPost("/bundles", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            try
            {
                var stored = await bundles.StoreAsync(request.Body, cancellationToken).ConfigureAwait(false);
                return Results.Json(stored.ToContract(), NodeJson.Default.BundleStored, statusCode: StatusCodes.Status201Created);
            }
            catch (BundleTooLargeException ex)
            {
                return Results.Problem(detail: ex.Message, statusCode: StatusCodes.Status413PayloadTooLarge, type: ApiProblems.TooLarge, title: ex.Message);
            }
            catch (BatonInputException ex)
            {
                return Results.Problem(detail: ex.Message, statusCode: StatusCodes.Status400BadRequest, type: ApiProblems.Input, title: ex.Message);
            }
        })
        .WithMetadata(new BodySizeLimit(bundles.Limits.MaxUploadBytes))
        .RequireAuthorization(BatonPolicies.Submit);
    }

    private static BundleStored ToContract(this StoredBundle stored) => new(stored.Id, stored.Files, stored.Bytes);
}
