using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Workspaces;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
using Baton.Hosting.Tests.Api;
using Baton.Hosting.Webhooks;
using Baton.Testing;
using Baton.Testing.Executors;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Hosting.Tests.Webhooks;

/// <summary>Webhooks against a real node and real receivers on loopback: signed deliveries, retries, the delivery log.</summary>
public sealed class WebhookDeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    private const string Workflow = """
        name: hooked
        defaults:
          max_attempts: 1
        tasks:
          - name: fine
            command: sh -c 'echo fine'
          - name: broken
            command: sh -c 'echo broken >&2; exit 3'
        """;

    [Fact]
    public async Task A_task_failed_webhook_gets_one_signed_delivery_for_the_failing_task_and_the_log_shows_it()
    {
        await using var node = await HookNode.StartAsync(new WebhookDispatchOptions());
        await using var failures = await Receiver.StartAsync(204, Ct);
        await using var ends = await Receiver.StartAsync(200, Ct);
        var failed = await node.Client.CreateWebhookAsync(new WebhookCreation(failures.Url.AbsoluteUri) { Events = ["task.failed"] }, Ct);
        failures.Secret = failed.Secret;
        var ended = await node.Client.CreateWebhookAsync(new WebhookCreation(ends.Url.AbsoluteUri) { Events = ["run.ended"] }, Ct);
        ends.Secret = ended.Secret;

        await node.RunAsync(Workflow);

        // Events are dispatched in order: once run.ended is delivered, every task.failed delivery is recorded.
        Assert.True(await Eventually.WaitUntilAsync(async () => await DeliveredAsync(node.Client, ended.Webhook.Id) == 1, Patience, Ct));
        Assert.True(await Eventually.WaitUntilAsync(async () => await DeliveredAsync(node.Client, failed.Webhook.Id) == 1, Patience, Ct));
        var log = Assert.Single(await node.Client.WebhookDeliveriesAsync(failed.Webhook.Id, 100, Ct));
        Assert.Equal(("task.failed", "delivered", 1, (int?)204), (log.EventType, log.Status, log.Attempts, log.LastStatusCode));

        var received = Assert.Single(failures.Deliveries);
        Assert.True(received.SignatureValid);
        Assert.InRange(received.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal("task.failed", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("failed", body.RootElement.GetProperty("data").GetProperty("state").GetString());
        Assert.Equal(log.EventSequence, body.RootElement.GetProperty("data").GetProperty("sequence").GetInt64());
        Assert.Equal("run.ended", JsonDocument.Parse(Assert.Single(ends.Deliveries).Body).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_with_back_off_then_recorded_failed()
    {
        var options = new WebhookDispatchOptions { MaxAttempts = 3, FirstRetryDelay = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromMilliseconds(100) };
        await using var node = await HookNode.StartAsync(options);
        await using var receiver = await Receiver.StartAsync(503, Ct);
        var hook = await node.Client.CreateWebhookAsync(new WebhookCreation(receiver.Url.AbsoluteUri) { Events = ["run.ended"] }, Ct);
        receiver.Secret = hook.Secret;

        await node.RunAsync(Workflow);

        Assert.True(await Eventually.WaitUntilAsync(
            async () => (await node.Client.WebhookDeliveriesAsync(hook.Webhook.Id, 10, Ct)) is [{ Status: "failed" }], Patience, Ct));
        var log = Assert.Single(await node.Client.WebhookDeliveriesAsync(hook.Webhook.Id, 10, Ct));
        Assert.Equal((3, (int?)503), (log.Attempts, log.LastStatusCode));
        Assert.Contains("503", log.LastError, StringComparison.Ordinal);
        Assert.Equal(3, receiver.Deliveries.Count);
        // One message, tried three times: the same id, each attempt signed.
        Assert.Single(receiver.Deliveries.Select(d => d.Id).Distinct());
        Assert.All(receiver.Deliveries, d => Assert.True(d.SignatureValid));
    }

    [Fact]
    public async Task A_receiver_that_never_answers_does_not_hold_the_run()
    {
        var options = new WebhookDispatchOptions { AttemptTimeout = TimeSpan.FromMinutes(10) };
        await using var node = await HookNode.StartAsync(options);
        await using var receiver = await Receiver.StartAsync(0, Ct);
        try
        {
            var hook = await node.Client.CreateWebhookAsync(new WebhookCreation(receiver.Url.AbsoluteUri), Ct);
            receiver.Secret = hook.Secret;

            // Every sender is stuck on the receiver, yet the run ends (RunAsync follows it to its end).
            await node.RunAsync(Workflow).WaitAsync(Patience, Ct);

            Assert.True(await Eventually.WaitUntilAsync(async () =>
                (await node.Client.WebhookDeliveriesAsync(hook.Webhook.Id, 100, Ct)).Any(d => d.EventType == "run.ended"), Patience, Ct));
            Assert.All(await node.Client.WebhookDeliveriesAsync(hook.Webhook.Id, 100, Ct), d => Assert.Equal("pending", d.Status));
        }
        finally
        {
            receiver.Release.TrySetResult();
        }
    }

    [Fact]
    public async Task Bad_subscriptions_are_refused_and_no_listing_shows_a_secret()
    {
        await using var node = await HookNode.StartAsync(new WebhookDispatchOptions());
        foreach (var bad in new[]
        {
            new WebhookCreation("ftp://example.org/hook"),
            new WebhookCreation("file:///etc/passwd"),
            new WebhookCreation("not a url"),
            new WebhookCreation("https://user:pw@example.org/hook"),
            new WebhookCreation("https://example.org/hook") { Events = ["task.exploded"] },
            new WebhookCreation("https://example.org/hook") { Secret = "hunter2" },
        })
        {
            await Assert.ThrowsAsync<BatonInputException>(() => node.Client.CreateWebhookAsync(bad, Ct));
        }
        var created = await node.Client.CreateWebhookAsync(new WebhookCreation("https://example.org/hook") { Events = ["task.failed", "run.ended"] }, Ct);
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        var listed = Assert.Single(await node.Client.ListWebhooksAsync(Ct));
        Assert.Equal(["task.failed", "run.ended"], listed.Events);

        using var http = SocketHttp.Create(node.Client.SocketPath!);
        var raw = await http.GetStringAsync(new Uri("api/v1/webhooks", UriKind.Relative), Ct);
        Assert.DoesNotContain(created.Secret, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", raw, StringComparison.OrdinalIgnoreCase);

        await node.Client.RemoveWebhookAsync(created.Webhook.Id, Ct);
        Assert.Empty(await node.Client.ListWebhooksAsync(Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => node.Client.RemoveWebhookAsync(created.Webhook.Id, Ct));
        using var missing = await http.GetAsync(new Uri($"api/v1/webhooks/{created.Webhook.Id}/deliveries", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(ApiProblems.NotFound, (await missing.Content.ReadFromJsonAsync(NodeJson.Default.ApiProblem, Ct))?.Type);
    }

    private static async Task<int> DeliveredAsync(NodeClient client, long hookId) =>
        (await client.WebhookDeliveriesAsync(hookId, 100, Ct)).Count(d => d.Status == "delivered");

    /// <summary>A node serving its API on a socket in a temporary workspace, with webhook deliveries tried as given.</summary>
    private sealed class HookNode : IAsyncDisposable
    {
        private readonly TempDirectory _directory;
        private readonly BatonNode _node;
        private readonly NodeServer _server;

        private HookNode(TempDirectory directory, BatonNode node, NodeServer server, NodeClient client)
        {
            _directory = directory;
            _node = node;
            _server = server;
            Client = client;
        }

        public NodeClient Client { get; }

        public static async Task<HookNode> StartAsync(WebhookDispatchOptions options)
        {
            var directory = new TempDirectory("baton-hooks-");
            var layout = new WorkspaceLayout(directory.Combine("ws"));
            var node = await BatonNode.OpenAsync(new BatonOptions { Workspace = layout.Root, Cpus = 2, Memory = "1G", Executor = "local" }, NullLoggerFactory.Instance, TimeProvider.System, Ct);
            var server = await NodeServer.StartAsync(node, NodeEndpoint.For(layout), null, null, options, NullLoggerFactory.Instance, TimeProvider.System, Ct);
            return new HookNode(directory, node, server, new NodeClient(NodeEndpoint.For(layout).SocketPath));
        }

        /// <summary>Runs a workflow to its end.</summary>
        public async Task RunAsync(string yaml)
        {
            var file = _directory.Combine("workflow.yaml");
            await File.WriteAllTextAsync(file, yaml, Ct);
            var accepted = await Client.SubmitAsync(new RunSubmission(file), Ct);
            await foreach (var update in Client.FollowAsync(accepted.RunId, Ct))
            {
                _ = update;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _server.DisposeAsync();
            await _node.DisposeAsync();
            _directory.Dispose();
        }
    }
}
