using System.Net;
using System.Text;
using Baton.Hosting.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Baton.Hosting.Api;

/// <summary>
/// The API's description: the OpenAPI document at <c>/openapi/v1.json</c> (every route, with the bearer scheme) and
/// a plain HTML reference page at <c>/api</c> listing each route and the scope it needs. Both without a token: they
/// describe the API, not the node's data.
/// </summary>
public static class ApiDocument
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Baton node API";
            document.Info.Version = NodeEndpoints.Version;
            document.Info.Description = "A Baton node's HTTP API (docs/api.md). Over TCP every request but /healthz, /readyz, /login and this document needs a bearer token; errors are RFC 9457 problem details with a stable type.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "baton token (baton token create)",
                Description = "A token made by 'baton token create'; scopes read < submit < admin.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        }));

    public static void MapApiDocument(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapGet(ReferencePath, (EndpointDataSource endpoints) => Results.Content(Reference(endpoints), "text/html; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>The routes of the app, as a table: method, path, scope needed, summary.</summary>
    private static string Reference(EndpointDataSource endpoints)
    {
        var html = new StringBuilder("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Baton node API</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}code{font-size:1.05em}</style>
            </head><body><h1>Baton node API</h1>
            <p>Machine-readable: <a href="/openapi/v1.json">/openapi/v1.json</a> (OpenAPI 3). Send <code>Authorization: Bearer TOKEN</code>; scopes read &lt; submit &lt; admin. Errors are problem details (RFC 9457).</p>
            <table><tr><th>method</th><th>path</th><th>needs</th><th>what</th></tr>

            """);
        foreach (var (method, path, needs, summary) in Routes(endpoints))
        {
            html.Append("<tr><td>").Append(WebUtility.HtmlEncode(method)).Append("</td><td><code>").Append(WebUtility.HtmlEncode(path))
                .Append("</code></td><td>").Append(WebUtility.HtmlEncode(needs)).Append("</td><td>").Append(WebUtility.HtmlEncode(summary)).Append("</td></tr>\n");
        }
        return html.Append("</table></body></html>\n").ToString();
    }

    /// <summary>Each route's methods, pattern, the scope it needs (<c>none</c>, <c>read</c>...) and summary, in path order.</summary>
    public static IEnumerable<(string Method, string Path, string Needs, string Summary)> Routes(EndpointDataSource endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is not null)
            .Select(e => (
                Method: string.Join(", ", e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]),
                // A group's own route ("") prints as "/api/v1/tokens/": shown as clients write it.
                Path: "/" + e.RoutePattern.RawText!.Trim('/'),
                Needs: Needs(e),
                Summary: e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IEndpointSummaryMetadata>()?.Summary ?? ""))
            .OrderBy(r => r.Path, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal);
    }

    private static string Needs(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return "none";
        }
        var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList();
        return policies.Contains(BatonPolicies.Admin) ? "admin" : policies.Contains(BatonPolicies.Submit) ? "submit" : "read";
    }
}
