using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Security;

/// <summary><c>/api/v1/tokens</c>: token management for admins, so that <c>baton token</c> works against a remote server.</summary>
public static class TokenEndpoints
{
    public static void MapTokenApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/v1/tokens").RequireAuthorization(BatonPolicies.Admin);

        tokens.MapGet("", async (TokenService service, CancellationToken cancellationToken) =>
            TypedResults.Ok<IReadOnlyList<TokenInfo>>((await service.ListAsync(cancellationToken).ConfigureAwait(false)).Select(Info).ToList()))
            .WithName("listTokens").WithSummary("Every token (never its secret), revoked and expired ones too");

        tokens.MapPost("", async (TokenCreation creation, TokenService service, CancellationToken cancellationToken) =>
        {
            try
            {
                var (token, secret) = await service.CreateAsync(creation.Name, creation.Scope, creation.Expires, cancellationToken).ConfigureAwait(false);
                return Results.Json(new CreatedToken(Info(token), secret), NodeJson.Default.CreatedToken, statusCode: StatusCodes.Status201Created);
            }
            catch (BatonInputException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, type: ApiProblems.Input, title: ex.Message, detail: ex.Message);
            }
        }).WithName("createToken").WithSummary("Creates a token; the answer holds its secret, shown this once");

        tokens.MapDelete("/{nameOrId}", async (string nameOrId, TokenService service, CancellationToken cancellationToken) =>
        {
            try
            {
                return Results.Ok(Info(await service.RevokeAsync(nameOrId, cancellationToken).ConfigureAwait(false)));
            }
            catch (BatonInputException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, type: ApiProblems.NotFound, title: ex.Message, detail: ex.Message);
            }
        }).WithName("revokeToken").WithSummary("Revokes the live token of that name (or id)");
    }

    public static TokenInfo Info(ApiToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return new TokenInfo(token.Id, token.Name, token.Scope.ToWord(), token.CreatedAt, token.ExpiresAt, token.RevokedAt);
    }
}
