using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Baton.Cli.Tests.Server;
using Baton.Testing.Executors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton webhook</c> on the workspace's store and through a server, delivering to a receiver on loopback.</summary>
public sealed class WebhookCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_webhook_added_through_the_server_gets_the_failing_task_and_its_delivery_is_listed()
    {
        using var cli = new CliRunner();
        var received = new ConcurrentQueue<string>();
        await using var receiver = await StartReceiverAsync(received);
        await using var server = await TeamServer.StartAsync(cli);
        var admin = await TeamServer.TokenAsync(cli, "ops", "admin");
        var reader = await TeamServer.TokenAsync(cli, "viewer", "read");
        string[] Remote(string token, params string[] command) => [.. command, "--server", server.Address.AbsoluteUri, "--token", token];

        var refused = await cli.RunAsync(Remote(reader, "webhook", "add", receiver.AbsoluteUri, "--events", "task.failed"));
        Assert.True(refused.ExitCode != 0, refused.ToString());
        var bad = await cli.RunAsync(Remote(admin, "webhook", "add", "ftp://example.org/x"));
        Assert.True(bad.ExitCode == 2, bad.ToString());
        var added = await cli.RunAsync(Remote(admin, "webhook", "add", receiver.AbsoluteUri, "--events", "task.failed"));
        Assert.True(added.ExitCode == 0, added.ToString());
        var secret = added.Output.Trim();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);

        var workflow = cli.WriteWorkflow("""
            name: hooked
            defaults:
              max_attempts: 1
            tasks:
              - name: fine
                command: sh -c 'echo fine'
              - name: broken
                command: sh -c 'exit 3'
            """);
        var ran = await cli.RunAsync("run", workflow, "--no-progress");
        Assert.True(ran.ExitCode == 1, ran.ToString());

        var listed = await cli.RunAsync(Remote(admin, "webhook", "list", "--json"));
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.DoesNotContain(secret, listed.Output, StringComparison.Ordinal);
        var id = JsonDocument.Parse(listed.Output).RootElement[0].GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);

        JsonElement[] deliveries = [];
        Assert.True(await Eventually.WaitUntilAsync(async () =>
        {
            var shown = await cli.RunAsync(Remote(admin, "webhook", "deliveries", id, "--json"));
            deliveries = [.. JsonDocument.Parse(shown.Output).RootElement.EnumerateArray()];
            return deliveries is [var d] && d.GetProperty("status").GetString() == "delivered";
        }, TimeSpan.FromMinutes(1), Ct));
        Assert.Equal("task.failed", deliveries[0].GetProperty("event_type").GetString());
        Assert.Contains("\"task.failed\"", Assert.Single(received), StringComparison.Ordinal);

        // The same subscriptions on the workspace's store, without the server.
        var local = await cli.RunAsync("webhook", "list", "--json");
        Assert.Equal(listed.Output, local.Output);
        var removed = await cli.RunAsync(Remote(admin, "webhook", "remove", id));
        Assert.True(removed.ExitCode == 0, removed.ToString());
        var again = await cli.RunAsync("webhook", "remove", id);
        Assert.True(again.ExitCode == 2, again.ToString());
    }

    private static async Task<ReceiverApp> StartReceiverAsync(ConcurrentQueue<string> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var body = new StreamReader(request.Body);
            received.Enqueue(await body.ReadToEndAsync());
            return Results.NoContent();
        });
        await app.StartAsync(Ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ReceiverApp(app, new Uri(new Uri(address), "/hook"));
    }

    private sealed record ReceiverApp(WebApplication App, Uri Url) : IAsyncDisposable
    {
        public string AbsoluteUri => Url.AbsoluteUri;

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
