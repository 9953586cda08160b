using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Baton.Core.Stores;
using Baton.Hosting.Security;
using Baton.Hosting.Workspaces;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Cli.Tests.Server;

/// <summary>
/// Plain HTTP against a <see cref="TeamServer"/>, as curl or a browser would send it: no redirects followed, no
/// cookies kept, the token (if any) given per request.
/// </summary>
internal sealed class ServerHttp : IDisposable
{
    private readonly HttpClient _http;

    public ServerHttp(TeamServer server, HttpMessageHandler? handler = null)
    {
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Address };
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public Task<HttpResponseMessage> GetAsync(string path, string? token = null, string? cookie = null) =>
        SendAsync(HttpMethod.Get, path, token, null, cookie);

    /// <summary>POSTs <paramref name="json"/> as application/json.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string? token, string json) =>
        SendAsync(HttpMethod.Post, path, token, new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content, string? cookie = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }
        return await _http.SendAsync(request, Ct);
    }

    /// <summary>A JSON string literal of <paramref name="text"/>, to build request bodies.</summary>
    public static string Quote(string text) => "\"" + JsonEncodedText.Encode(text) + "\"";

    /// <summary>Asserts that <paramref name="response"/> is an RFC 9457 problem of <paramref name="status"/> and <paramref name="type"/>; returns its detail.</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type, string what)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{what}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{what}: content type {response.Content.Headers.ContentType}: {body}");
        using var problem = JsonDocument.Parse(body);
        var root = problem.RootElement;
        Assert.True(root.GetProperty("type").GetString() == type, $"{what}: type in {body}");
        Assert.True(root.GetProperty("status").GetInt32() == (int)status, $"{what}: status in {body}");
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()), $"{what}: no title in {body}");
        var detail = root.GetProperty("detail").GetString() ?? "";
        Assert.DoesNotContain('\n', detail);
        return detail;
    }

    /// <summary>Asserts a 2xx answer and returns its JSON.</summary>
    public static async Task<JsonElement> AssertOkAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{what}: expected success, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// A token that expired a day ago, written straight into the workspace's store: <c>baton token create</c> only
    /// makes tokens that expire in the future, and waiting for one to expire would make the test slow.
    /// </summary>
    public static async Task<string> ExpiredTokenAsync(CliRunner cli, string name, TokenScope scope)
    {
        await using var store = await WorkspaceStore.OpenAsync(WorkspaceLocation.Resolve(cli.Workspace), create: false, NullLoggerFactory.Instance, Ct);
        var secret = TokenSecrets.NewSecret();
        var now = DateTimeOffset.UtcNow;
        await store.CreateTokenAsync(new NewApiToken(name, scope, TokenSecrets.Hash(secret), now.AddDays(-2), now.AddDays(-1)), Ct);
        return secret;
    }

    public void Dispose() => _http.Dispose();
}
