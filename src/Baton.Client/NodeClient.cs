using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Engine.Control;

namespace Baton.Client;

/// <summary>
/// A client of a node's API, over its Unix socket or over HTTP(S) to a team server (<c>baton serve</c>) with a bearer
/// token: the one implementation of the API that the CLI (and typed experiments, later) use. A refusal of the node
/// (problem details) is thrown as a <see cref="BatonInputException"/> with the node's one-line reason.
/// </summary>
public sealed partial class NodeClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>A client of the node on the Unix socket <paramref name="socketPath"/>.</summary>
    public NodeClient(string socketPath)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // A followed run may last days: no overall timeout; each call passes its own cancellation.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://baton-node/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// A client of the server at <paramref name="serverAddress"/> (http:// or https://, the API under its path),
    /// sending <paramref name="token"/> as a bearer token when given.
    /// </summary>
    public NodeClient(Uri serverAddress, string? token)
    {
        ArgumentNullException.ThrowIfNull(serverAddress);
        if (!serverAddress.IsAbsoluteUri || (serverAddress.Scheme != Uri.UriSchemeHttp && serverAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{serverAddress}' is not an http:// or https:// address", nameof(serverAddress));
        }
        // The API's paths are relative: the base must end with '/' so that a server under a path keeps it.
        ServerAddress = serverAddress.AbsoluteUri.EndsWith('/') ? serverAddress : new Uri(serverAddress.AbsoluteUri + "/");
        _http = new HttpClient(new ServerReachHandler(ServerAddress)) { BaseAddress = ServerAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The node's socket; null for a client of a server over HTTP(S).</summary>
    public string? SocketPath { get; }

    /// <summary>The server's address; null for a client of a node's Unix socket.</summary>
    public Uri? ServerAddress { get; }

    /// <summary>Where this client sends its requests, for messages.</summary>
    public string Target => SocketPath ?? ServerAddress!.AbsoluteUri;

    /// <summary>
    /// The node's status; null when nothing answers on the socket (no node, or a stale socket file). A team server
    /// that cannot be reached is a <see cref="BatonInputException"/>.
    /// </summary>
    public async Task<NodeStatus?> TryStatusAsync(CancellationToken cancellationToken)
    {
        if (SocketPath is not null && !File.Exists(SocketPath))
        {
            return null;
        }
        try
        {
            using var response = await _http.GetAsync(new Uri("api/v1/node", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadFromJsonAsync(NodeJson.Default.NodeStatus, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException || ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            return null;
        }
    }

    public Task<RunAccepted> SubmitAsync(RunSubmission submission, CancellationToken cancellationToken) =>
        PostAsync("api/v1/runs", submission, NodeJson.Default.RunSubmission, NodeJson.Default.RunAccepted, cancellationToken);

    /// <summary>Uploads a zip of a workflow's directory (<c>POST /api/v1/bundles</c>); the answer names the bundle to run from.</summary>
    public async Task<BundleStored> UploadBundleAsync(Stream zip, CancellationToken cancellationToken)
    {
        using var content = new StreamContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await _http.PostAsync(new Uri("api/v1/bundles", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(NodeJson.Default.BundleStored, cancellationToken).ConfigureAwait(false)
            ?? throw new IOException("the server answered an empty body");
    }

    public Task<TaskResponse> KillAsync(TaskRequest request, CancellationToken cancellationToken) =>
        PostAsync("api/v1/tasks/kill", request, NodeJson.Default.TaskRequest, NodeJson.Default.TaskResponse, cancellationToken);

    public Task<TaskResponse> SetAsync(TaskRequest request, CancellationToken cancellationToken) =>
        PostAsync("api/v1/tasks/set", request, NodeJson.Default.TaskRequest, NodeJson.Default.TaskResponse, cancellationToken);

    public Task<TaskResponse> LimitAsync(LimitRequest request, CancellationToken cancellationToken) =>
        PostAsync("api/v1/limits", request, NodeJson.Default.LimitRequest, NodeJson.Default.TaskResponse, cancellationToken);

    public async Task<IReadOnlyList<ResourceSnapshot>> ResourcesAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("api/v1/resources", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(NodeJson.Default.IReadOnlyListResourceSnapshot, cancellationToken).ConfigureAwait(false) ?? [];
    }

    public async Task InterruptAsync(long runId, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri($"api/v1/runs/{runId}/interrupt", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the node to stop; refused (409) while it drives runs unless <paramref name="force"/>.</summary>
    public async Task StopAsync(bool force, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("api/v1/node/stop", new StopRequest(force), NodeJson.Default.StopRequest, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a token (admin); the answer holds its secret, shown this once.</summary>
    public Task<CreatedToken> CreateTokenAsync(TokenCreation creation, CancellationToken cancellationToken) =>
        PostAsync("api/v1/tokens", creation, NodeJson.Default.TokenCreation, NodeJson.Default.CreatedToken, cancellationToken);

    /// <summary>Every token of the server (admin), never their secrets.</summary>
    public async Task<IReadOnlyList<TokenInfo>> ListTokensAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("api/v1/tokens", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(NodeJson.Default.IReadOnlyListTokenInfo, cancellationToken).ConfigureAwait(false) ?? [];
    }

    /// <summary>Revokes the live token named <paramref name="nameOrId"/> (or of that id) (admin).</summary>
    public async Task<TokenInfo> RevokeTokenAsync(string nameOrId, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(new Uri($"api/v1/tokens/{Uri.EscapeDataString(nameOrId)}", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(NodeJson.Default.TokenInfo, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("the server answered a revocation with no body");
    }

    /// <summary>The run's progress as it changes, ending with the update that carries its summary (or why it stopped).</summary>
    public async IAsyncEnumerable<RunUpdate> FollowAsync(long runId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/runs/{runId}/follow", UriKind.Relative));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var parser = SseParser.Create(stream, (_, data) => JsonSerializer.Deserialize(data, NodeJson.Default.RunUpdate));
        await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item.Data is { } update)
            {
                yield return update;
                if (item.EventType == "end")
                {
                    yield break;
                }
            }
        }
        throw new IOException($"the node stopped before run {runId} ended");
    }

    /// <summary>
    /// The node's committed events after sequence <paramref name="after"/> (of one run when <paramref name="runId"/> is
    /// set): first those in the store, then live ones as they are committed, until cancelled.
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> EventsAsync(long after, long? runId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = runId is { } run ? $"api/v1/events?after={after}&run={run}" : $"api/v1/events?after={after}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(query, UriKind.Relative));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var parser = SseParser.Create(stream, (_, data) => JsonSerializer.Deserialize(data, NodeJson.Default.StoredEvent));
        await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item.Data is { } stored)
            {
                yield return stored;
            }
        }
    }

    private async Task<TResponse> PostAsync<TRequest, TResponse>(
        string path,
        TRequest body,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<TRequest> requestType,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(path, body, requestType, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the node answered {path} with no body");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        ApiProblem? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync(NodeJson.Default.ApiProblem, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
        }
        var reason = problem?.Detail ?? problem?.Title ?? response.ReasonPhrase ?? "no reason given";
        if (problem?.Type == ApiProblems.StoreDamaged)
        {
            throw new StoreDamagedException(reason);
        }
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ServerRefusedException(response.StatusCode, $"the server refused the request: {reason}");
        }
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.RequestEntityTooLarge)
        {
            throw new BatonInputException(reason);
        }
        throw new InvalidOperationException($"the node answered {(int)response.StatusCode}: {reason}");
    }

    public void Dispose() => _http.Dispose();
}
