using Baton.Hosting.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Hosting.Api;

/// <summary>
/// <c>GET /api/v1/tasks/{id}/attempts/{n}/logs/{stdout|stderr}</c>: the log as a file (HTTP <c>Range</c> byte ranges
/// answered with 206), or with <c>?follow=true</c> a stream from <c>?offset=</c> that follows a running attempt until
/// it ends. Only the attempt's two logs inside its task's directory are ever read.
/// </summary>
public static class LogEndpoints
{
    private const string TextPlain = "text/plain; charset=utf-8";

    public static RouteGroupBuilder MapLogReads(this IEndpointRouteBuilder api, NodeQueries queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var logs = api.MapGroup("/tasks/{id:long}/attempts/{n:int}/logs");
        logs.MapGet("/{stream}", (long id, int n, string stream, bool? follow, long? offset, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () =>
            {
                // The name is checked before the store or any file is looked at.
                var which = AttemptLogs.ParseStream(stream);
                var log = await queries.LogAsync(id, n, which, cancellationToken);
                if (follow != true)
                {
                    return File.Exists(log.Path)
                        ? TypedResults.PhysicalFile(log.Path, TextPlain, enableRangeProcessing: true)
                        : ReadResults.NotFound($"attempt {n} of task {id} wrote no {stream}");
                }
                var from = offset ?? 0;
                if (from < 0)
                {
                    throw new Core.Errors.BatonInputException($"offset {from} is not valid: give a byte offset of at least 0");
                }
                return Results.Stream(async body =>
                {
                    try
                    {
                        await foreach (var chunk in queries.ReadLogAsync(id, n, which, from, follow: true, cancellationToken))
                        {
                            await body.WriteAsync(chunk, cancellationToken);
                            await body.FlushAsync(cancellationToken);
                        }
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        // The client went away.
                    }
                }, TextPlain);
            }));
        return logs;
    }
}
