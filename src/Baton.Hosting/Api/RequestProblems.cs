using Baton.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Baton.Hosting.Api;

/// <summary>
/// Problems the framework answers by itself (a body it cannot read, one too large, a route that does not exist)
/// get Baton's stable types and a one-line detail, like those the handlers answer.
/// </summary>
public static class RequestProblems
{
    /// <summary>Gives a problem that has no Baton type yet the one of its status.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (problem.Type?.StartsWith("urn:baton:", StringComparison.Ordinal) == true)
        {
            return;
        }
        (var type, var detail) = problem.Status switch
        {
            StatusCodes.Status400BadRequest => (ApiProblems.Malformed, "the request could not be read: malformed JSON, a body of the wrong shape, or a bad parameter"),
            StatusCodes.Status401Unauthorized => (ApiProblems.Unauthenticated, "this request needs a token"),
            StatusCodes.Status403Forbidden => (ApiProblems.Forbidden, "the token does not allow this request"),
            StatusCodes.Status404NotFound => (ApiProblems.NotFound, $"no route {context.HttpContext.Request.Method} {context.HttpContext.Request.Path}"),
            StatusCodes.Status405MethodNotAllowed => (ApiProblems.Malformed, $"{context.HttpContext.Request.Path} does not take {context.HttpContext.Request.Method}"),
            StatusCodes.Status413PayloadTooLarge => (ApiProblems.TooLarge, $"the request body is larger than this route takes ({context.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes)"),
            _ => (problem.Type, problem.Detail),
        };
        problem.Type = type;
        problem.Detail ??= detail;
        problem.Title = problem.Detail;
    }

    /// <summary>
    /// Applies an endpoint's own body limit (<see cref="IRequestSizeLimitMetadata"/>: an upload route asks for more),
    /// refuses a body whose declared length is over the limit before anything reads it, and turns the server's
    /// refusals while reading one (too large, cut short) into problem details.
    /// </summary>
    public static void UseBodyLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (feature is { IsReadOnly: false } && context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } limit)
            {
                feature.MaxRequestBodySize = limit.MaxRequestBodySize;
            }
            if (context.Request.ContentLength is { } length && feature?.MaxRequestBodySize is { } max && length > max)
            {
                await WriteAsync(context, StatusCodes.Status413PayloadTooLarge).ConfigureAwait(false);
                return;
            }
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                await WriteAsync(context, ex.StatusCode).ConfigureAwait(false);
            }
        });
    }

    private static async Task WriteAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        // The rest of an oversized body is not read: the connection closes after the answer.
        context.Response.Headers.Connection = "close";
        var problems = context.RequestServices.GetService(typeof(IProblemDetailsService)) as IProblemDetailsService;
        if (problems is not null)
        {
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = status } }).ConfigureAwait(false);
        }
    }
}

/// <summary>Endpoint metadata for a route that takes larger bodies than the server's default (null: no limit).</summary>
public sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
