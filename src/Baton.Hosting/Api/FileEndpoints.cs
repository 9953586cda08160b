using Baton.Hosting.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Baton.Hosting.Api;

/// <summary>
/// Output downloads: <c>GET /api/v1/tasks/{id}/files</c> lists a task's directory (paged by path), with
/// <c>?format=zip</c> streams it as a zip, and <c>GET /api/v1/tasks/{id}/files/{path}</c> serves one file with HTTP
/// <c>Range</c>, <c>ETag</c> and <c>Last-Modified</c>. Every path is confined to the task's directory (TaskFiles).
/// </summary>
public static class FileEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static RouteGroupBuilder MapFileReads(this IEndpointRouteBuilder api, NodeQueries queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var files = api.MapGroup("/tasks/{id:long}/files");
        files.MapGet("", (long id, string? format, string? after, int? limit, bool? sha256, HttpContext context, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () =>
            {
                if (format is null)
                {
                    return TypedResults.Ok(await queries.ListFilesAsync(id, after, limit ?? TaskFiles.MaxLimit, sha256 ?? false, cancellationToken));
                }
                if (format != "zip")
                {
                    throw new Core.Errors.BatonInputException($"format '{Core.Errors.QuotedText.Escape(format)}' is not known: give format=zip, or none for a listing");
                }
                // The directory is walked before the answer starts, so a refusal is still a problem, not a cut zip.
                var task = await queries.TaskRowAsync(id, cancellationToken);
                var walked = TaskFiles.Walk(task);
                // A zip being created on a stream that cannot seek still writes some of its records synchronously.
                if (context.Features.Get<IHttpBodyControlFeature>() is { } body)
                {
                    body.AllowSynchronousIO = true;
                }
                return Results.Stream(body => TaskFiles.WriteZipAsync(walked, body, cancellationToken), "application/zip", $"{SafeName(task.Name)}.zip");
            }));
        files.MapGet("/{**path}", (long id, string path, CancellationToken cancellationToken) =>
            ReadResults.GuardAsync(async () =>
            {
                var full = await queries.FileAsync(id, path, cancellationToken);
                var info = new FileInfo(full);
                var tag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"");
                var type = ContentTypes.TryGetContentType(full, out var known) ? known : "application/octet-stream";
                return TypedResults.PhysicalFile(full, type, fileDownloadName: null, lastModified: info.LastWriteTimeUtc, entityTag: tag, enableRangeProcessing: true);
            }));
        return files;
    }

    /// <summary>A task name as a file name: what is not a letter, digit, '-', '_' or '.' becomes '_'.</summary>
    public static string SafeName(string name) =>
        string.Concat((name ?? "task").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
