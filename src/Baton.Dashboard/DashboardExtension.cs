using Baton.Client;
using Baton.Core.Errors;
using Baton.Dashboard.Pages;
using Baton.Hosting.Api;
using Baton.Hosting.Queries;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Dashboard;

/// <summary>
/// The dashboard, served by the node beside its API (<c>baton serve</c>): HTML pages under <c>/ui</c> rendered on the
/// server from the node's query layer, one stylesheet and one small script for live updates through the API's
/// event stream. Every page needs the read scope, every button the submit scope and an antiforgery token.
/// </summary>
public sealed class DashboardExtension : INodeServerExtension
{
    public void ConfigureServices(IServiceCollection services)
    {
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "baton_antiforgery";
            o.FormFieldName = "baton_form";
            // Every dashboard answer says DENY already (Layout.SecurityHeaders).
            o.SuppressXFrameOptionsHeader = true;
        });
        services.AddDashboardAuth();
    }

    public void Map(WebApplication app, NodeServerState state)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(state);
        var queries = new NodeQueries(state.Node.Store, state.Node.Engine, state.Time);
        // The login link lands on /: the dashboard is what a browser wants there.
        app.MapGet("/", () => Results.Redirect(DashboardPaths.Root)).RequireAuthorization(DashboardAuth.Read).ExcludeFromDescription();

        var ui = app.MapGroup(DashboardPaths.Root).ExcludeFromDescription().AddEndpointFilter(PageErrors);
        ui.MapGet("/static/{name}", StaticAsset).AllowAnonymous();
        ui.MapGet("/signin", (HttpContext context, IAntiforgery antiforgery, string? back) => SignInPage.Render(context, antiforgery, back)).AllowAnonymous();
        ui.MapPost("/signin", SignInPage.SubmitAsync).AllowAnonymous().DisableAntiforgery();

        ui.MapGet("", (HttpContext context, string? status, string? workflow, string? after, CancellationToken ct) =>
            RunsPage.RenderAsync(context, queries, status, workflow, after, ct)).RequireAuthorization(DashboardAuth.Read);
        ui.MapGet("/runs/{id:long}", (HttpContext context, IAntiforgery antiforgery, long id, [FromQuery(Name = "state")] string? taskState, string? q, string? sort, string? after, int? page, CancellationToken ct) =>
            RunPage.RenderAsync(context, queries, antiforgery, state.Time, id, new TaskView(taskState, q, string.IsNullOrEmpty(sort) ? "order" : sort, after, Math.Max(0, page ?? 0)), ct))
            .RequireAuthorization(DashboardAuth.Read);
        ui.MapGet("/runs/{id:long}/counts", async (long id, CancellationToken ct) =>
        {
            var info = await queries.GetRunAsync(id, ct) ?? throw new NotFoundException($"no run {id} in this workspace");
            return Results.Content(RunPage.Counts(info, await queries.TemplatesAsync(id, ct)).Value, "text/html; charset=utf-8");
        }).RequireAuthorization(DashboardAuth.Read);
        ui.MapGet("/tasks/{id:long}", (HttpContext context, IAntiforgery antiforgery, long id, int? attempt, string? stream, long? offset, CancellationToken ct) =>
            TaskPage.RenderAsync(context, queries, antiforgery, id, attempt, stream, offset, ct)).RequireAuthorization(DashboardAuth.Read);

        ui.MapPost("/tasks/{id:long}/kill", (HttpContext context, IAntiforgery antiforgery, long id, CancellationToken ct) =>
            Actions.KillTaskAsync(context, antiforgery, queries, state, id, ct)).RequireAuthorization(DashboardAuth.Submit).DisableAntiforgery();
        ui.MapPost("/runs/{id:long}/interrupt", (HttpContext context, IAntiforgery antiforgery, long id, CancellationToken ct) =>
            Actions.InterruptRunAsync(context, antiforgery, state, id, ct)).RequireAuthorization(DashboardAuth.Submit).DisableAntiforgery();
    }

    /// <summary>Every dashboard answer carries the security headers; bad input and unknown ids are pages, not problems.</summary>
    private static async ValueTask<object?> PageErrors(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        Layout.SecurityHeaders(context.Response);
        try
        {
            return await next(invocation);
        }
        catch (StoreDamagedException ex)
        {
            return Layout.Result(context, "Store damaged", Html.Of($"<h1>The store is damaged</h1><p>{ex.Message}</p>"), StatusCodes.Status500InternalServerError);
        }
        catch (NotFoundException ex)
        {
            return Layout.Result(context, "Not found", Html.Of($"<h1>Not found</h1><p>{ex.Message}</p><p><a href=\"{DashboardPaths.Root}\">All runs</a></p>"), StatusCodes.Status404NotFound);
        }
        catch (BatonInputException ex)
        {
            return Layout.Result(context, "Bad request", Html.Of($"<h1>Bad request</h1><p>{ex.Message}</p><p><a href=\"{DashboardPaths.Root}\">All runs</a></p>"), StatusCodes.Status400BadRequest);
        }
    }

    private static IResult StaticAsset(HttpContext context, string name)
    {
        var type = name switch
        {
            "dashboard.css" => "text/css; charset=utf-8",
            "dashboard.js" => "text/javascript; charset=utf-8",
            _ => null,
        };
        // Only the two named resources: a name is never a path.
        if (type is null || typeof(DashboardExtension).Assembly.GetManifestResourceStream(name) is not { } stream)
        {
            return Results.NotFound();
        }
        context.Response.Headers.CacheControl = "no-cache";
        return Results.Stream(stream, type);
    }
}
