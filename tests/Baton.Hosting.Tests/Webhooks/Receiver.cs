using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting.Tests.Webhooks;

/// <summary>One POST a <see cref="Receiver"/> got, and whether its Standard Webhooks signature checked out.</summary>
internal sealed record Received(string Id, long Timestamp, string Body, bool SignatureValid);

/// <summary>A webhook receiver on loopback that checks each delivery's signature on its own and answers a set status.</summary>
internal sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Receiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<Received> Deliveries { get; } = new();

    /// <summary>With a status of 0 the receiver answers nothing until this completes (or the sender gives up).</summary>
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The secret deliveries are checked with (set once the webhook is created).</summary>
    public string Secret { get; set; } = "";

    public static async Task<Receiver> StartAsync(int status, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        Receiver? receiver = null;
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var id = request.Headers["webhook-id"].ToString();
            var timestamp = long.Parse(request.Headers["webhook-timestamp"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
            var signature = request.Headers["webhook-signature"].ToString();
            var key = Convert.FromBase64String(receiver!.Secret["whsec_".Length..]);
            var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
            receiver.Deliveries.Enqueue(new Received(id, timestamp, body, signature == expected));
            if (status == 0)
            {
                await Task.WhenAny(receiver.Release.Task, Task.Delay(Timeout.Infinite, request.HttpContext.RequestAborted));
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
            return Results.StatusCode(status);
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new Receiver(app, new Uri(new Uri(address), "/hook"));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
