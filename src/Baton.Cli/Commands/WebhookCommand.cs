using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Hosting.Webhooks;
using Baton.Hosting.Workspaces;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton webhook add|list|remove|deliveries</c>: the workspace's webhook subscriptions (docs/api.md). On the
/// workspace's store (a running node sees a change within a second), or through the server (an admin token) when one
/// is set (<c>--server</c>, <c>BATON_SERVER</c>, client config).
/// </summary>
internal static class WebhookCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var command = new Command("webhook", "Webhooks: POST signed events to a URL (add, list, remove, deliveries)");
        command.Subcommands.Add(Add(common, context));
        command.Subcommands.Add(List(common, context));
        command.Subcommands.Add(Remove(common, context));
        command.Subcommands.Add(Deliveries(common, context));
        return command;
    }

    private static Command Add(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var url = new Argument<string>("url") { Description = "Where deliveries are POSTed: an http:// or https:// URL" };
        var events = new Option<string?>("--events")
        {
            Description = $"Comma-separated event names (default: all): {string.Join(", ", WebhookEvents.Names)}",
        };
        var secret = new Option<string?>("--secret") { Description = "The signing secret, whsec_ and base64 (default: a new one, printed once)" };
        var command = new Command("add", "Subscribe a URL to events; prints the signing secret (shown this once)") { url, events, secret };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var creation = new WebhookCreation(parse.GetValue(url)!)
            {
                Events = parse.GetValue(events)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [WebhookEvents.All],
                Secret = parse.GetValue(secret),
            };
            CreatedWebhook created;
            if (cli.Remote is { } remote)
            {
                using var client = remote.Connect();
                created = await client.CreateWebhookAsync(creation, cancellationToken);
            }
            else
            {
                await using var store = await OpenAsync(cli, parse, common, create: true, cancellationToken);
                created = await WebhookRules.CreateAsync(store, creation, cli.Time, cancellationToken);
            }
            await cli.Output.WriteLineAsync(created.Secret);
            await cli.Error.WriteLineAsync($"baton: webhook {created.Webhook.Id} to {created.Webhook.Url} ({string.Join(",", created.Webhook.Events)}) added; its signing secret above is shown this once");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var json = CommonOptions.Json();
        var command = new Command("list", "List webhooks (never their secrets)") { json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            IReadOnlyList<WebhookInfo> hooks;
            if (cli.Remote is { } remote)
            {
                using var client = remote.Connect();
                hooks = await client.ListWebhooksAsync(cancellationToken);
            }
            else
            {
                await using var store = await OpenAsync(cli, parse, common, create: false, cancellationToken);
                hooks = (await store.ListWebhooksAsync(cancellationToken)).Select(WebhookRules.Info).ToList();
            }
            if (parse.GetValue(json))
            {
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(hooks, NodeJson.Default.IReadOnlyListWebhookInfo));
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("id", "url", "events", "created (UTC)");
            foreach (var hook in hooks)
            {
                table.AddRow(Id(hook.Id), Markup.Escape(hook.Url), Markup.Escape(string.Join(",", hook.Events)), Time(hook.CreatedAt));
            }
            cli.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var id = new Argument<long>("id") { Description = "The webhook's id (see baton webhook list)" };
        var command = new Command("remove", "Remove a webhook and its delivery log") { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var which = parse.GetValue(id);
            if (cli.Remote is { } remote)
            {
                using var client = remote.Connect();
                await client.RemoveWebhookAsync(which, cancellationToken);
            }
            else
            {
                await using var store = await OpenAsync(cli, parse, common, create: false, cancellationToken);
                if (!await store.DeleteWebhookAsync(which, cancellationToken))
                {
                    throw new NotFoundException($"no webhook {which} in this workspace (see baton webhook list)");
                }
            }
            await cli.Error.WriteLineAsync($"baton: webhook {which} removed");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Deliveries(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var id = new Argument<long>("id") { Description = "The webhook's id (see baton webhook list)" };
        var limit = new Option<int>("--limit") { Description = "How many of the latest deliveries", DefaultValueFactory = _ => 50 };
        var json = CommonOptions.Json();
        var command = new Command("deliveries", "A webhook's latest deliveries, newest first: event, status, attempts, last answer") { id, limit, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var which = parse.GetValue(id);
            var count = parse.GetValue(limit);
            if (count is < 1 or > Hosting.Api.WebhookEndpoints.MaxDeliveries)
            {
                throw new BatonInputException($"--limit {count} is not valid: ask for 1 to {Hosting.Api.WebhookEndpoints.MaxDeliveries} deliveries");
            }
            IReadOnlyList<WebhookDeliveryInfo> deliveries;
            if (cli.Remote is { } remote)
            {
                using var client = remote.Connect();
                deliveries = await client.WebhookDeliveriesAsync(which, count, cancellationToken);
            }
            else
            {
                await using var store = await OpenAsync(cli, parse, common, create: false, cancellationToken);
                if (!(await store.ListWebhooksAsync(cancellationToken)).Any(h => h.Id == which))
                {
                    throw new NotFoundException($"no webhook {which} in this workspace (see baton webhook list)");
                }
                deliveries = (await store.ListDeliveriesAsync(which, count, cancellationToken)).Select(WebhookRules.Info).ToList();
            }
            if (parse.GetValue(json))
            {
                await cli.Output.WriteLineAsync(JsonSerializer.Serialize(deliveries, NodeJson.Default.IReadOnlyListWebhookDeliveryInfo));
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("id", "event", "seq", "status", "attempts", "last answer", "updated (UTC)");
            foreach (var d in deliveries)
            {
                var answer = d.LastError ?? (d.LastStatusCode is { } code ? Id(code) : "");
                table.AddRow(Id(d.Id), d.EventType, Id(d.EventSequence), d.Status, Id(d.Attempts), Markup.Escape(answer), Time(d.UpdatedAt));
            }
            cli.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<IBatonStore> OpenAsync(CliContext cli, ParseResult parse, CommonOptions common, bool create, CancellationToken cancellationToken) =>
        await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(parse.GetValue(common.Workspace)), create, cli.Loggers, cancellationToken);

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
