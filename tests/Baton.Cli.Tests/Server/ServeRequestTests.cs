using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Baton.Client;

namespace Baton.Cli.Tests.Server;

/// <summary>
/// How <c>baton serve</c> answers requests it cannot take (too large, malformed, missing or wrong fields: problem
/// details, never a 500), what it answers without a token (health, the API's description), and what a reverse proxy
/// in front of it changes.
/// </summary>
public sealed class ServeRequestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413_and_json_it_cannot_read_is_400_never_500()
    {
        using var cli = new CliRunner();
        await using var server = await TeamServer.StartAsync(cli);
        var admin = await TeamServer.TokenAsync(cli, "admin", "admin");
        using var http = new ServerHttp(server);
        var large = $$"""{"file": "{{new string('x', 1024 * 1024)}}"}""";

        using (var declared = await http.PostAsync("api/v1/runs", admin, large))
        {
            await ServerHttp.AssertProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge, ApiProblems.TooLarge, "a 1 MiB body with its Content-Length");
        }
        // Chunked, so that the server learns the size only while reading.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(large)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using (var streamed = await http.SendAsync(HttpMethod.Post, "api/v1/runs", admin, new ChunkedContent(chunked)))
        {
            await ServerHttp.AssertProblemAsync(streamed, HttpStatusCode.RequestEntityTooLarge, ApiProblems.TooLarge, "a chunked 1 MiB body");
        }

        string[] malformed =
        [
            """{"file": """,
            "not json at all",
            """{"file": 42}""",
            """{"file": "x.yaml", "force": "one-task"}""",
            """{"file": "x.yaml", "fail_fast": "yes"}""",
            """["x.yaml"]""",
        ];
        foreach (var body in malformed)
        {
            using var response = await http.PostAsync("api/v1/runs", admin, body);
            await ServerHttp.AssertProblemAsync(response, HttpStatusCode.BadRequest, ApiProblems.Malformed, $"POST api/v1/runs {body}");
        }
        using (var tokens = await http.PostAsync("api/v1/tokens", admin, """{"name": ["a"], "scope": "read"}"""))
        {
            await ServerHttp.AssertProblemAsync(tokens, HttpStatusCode.BadRequest, ApiProblems.Malformed, "POST api/v1/tokens with a list for a name");
        }
    }

    [Fact]
    public async Task Optional_fields_left_out_or_null_take_their_defaults_and_required_ones_missing_are_400()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: lenient
            defaults:
              max_attempts: 1
            tasks:
              - name: nap
                command: sleep 600
            """);
        await using var server = await TeamServer.StartAsync(cli);
        var admin = await TeamServer.TokenAsync(cli, "admin", "admin");
        using var http = new ServerHttp(server);
        var file = ServerHttp.Quote(workflow);

        // A submission with only its file (as curl users write it), then with every optional field null: 201, then 200
        // (attached to the live run).
        using (var minimal = await http.PostAsync("api/v1/runs", admin, $$"""{"file": {{file}}}"""))
        {
            await ServerHttp.AssertOkAsync(minimal, "a submission with only its file");
            Assert.Equal(HttpStatusCode.Created, minimal.StatusCode);
        }
        using (var nulls = await http.PostAsync("api/v1/runs", admin, $$"""{"file": {{file}}, "force": null, "executor": null, "fail_fast": null, "cold": null, "refuse_new_version": null}"""))
        {
            Assert.True((await ServerHttp.AssertOkAsync(nulls, "a submission with null optional fields")).GetProperty("attached").GetBoolean());
        }
        // set without values, and with null values, is a one-line 400 from the task change, not a crash.
        foreach (var body in new[] { """{"workflow": "lenient", "tasks": ["nap"]}""", """{"workflow": "lenient", "tasks": ["nap"], "values": null}""" })
        {
            using var set = await http.PostAsync("api/v1/tasks/set", admin, body);
            await ServerHttp.AssertProblemAsync(set, HttpStatusCode.BadRequest, ApiProblems.Input, $"POST api/v1/tasks/set {body}");
        }
        using (var stop = await http.PostAsync("api/v1/node/stop", admin, "{}"))
        {
            await ServerHttp.AssertProblemAsync(stop, HttpStatusCode.Conflict, ApiProblems.Conflict, "stop with no force field while a run is live");
        }
        using (var limit = await http.PostAsync("api/v1/limits", admin, """{"workflow": "lenient", "limit": 3}"""))
        {
            await ServerHttp.AssertOkAsync(limit, "a limit with no template field");
        }

        // Required fields missing or null: 400, and nothing is killed for a kill that names no tasks field.
        (string Path, string Body)[] incomplete =
        [
            ("api/v1/runs", "{}"),
            ("api/v1/runs", """{"file": null}"""),
            ("api/v1/runs", """{"file": ""}"""),
            ("api/v1/tasks/kill", """{"workflow": "lenient"}"""),
            ("api/v1/tasks/kill", """{"workflow": "lenient", "tasks": null}"""),
            ("api/v1/tasks/kill", """{"tasks": []}"""),
            ("api/v1/tasks/set", """{"workflow": null, "tasks": ["nap"], "values": ["priority=1"]}"""),
            ("api/v1/limits", """{"limit": 2}"""),
            ("api/v1/tokens", """{"scope": "read"}"""),
            ("api/v1/tokens", """{"name": "nobody"}"""),
        ];
        foreach (var (path, body) in incomplete)
        {
            using var response = await http.PostAsync(path, admin, body);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"POST {path} {body}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        using var run = await http.GetAsync("api/v1/tasks?workflow=lenient", admin);
        Assert.Equal("running", (await ServerHttp.AssertOkAsync(run, "the task after the refused kills")).GetProperty("tasks")[0].GetProperty("state").GetString()?.ToLowerInvariant());
    }

    [Fact]
    public async Task Health_and_the_api_description_answer_without_a_token_and_tell_nothing_about_runs()
    {
        using var cli = new CliRunner();
        await using var server = await TeamServer.StartAsync(cli);
        using var http = new ServerHttp(server);

        using (var healthz = await http.GetAsync("healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
            Assert.Equal("ok\n", await healthz.Content.ReadAsStringAsync(Ct));
        }
        using (var readyz = await http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
            Assert.Equal("ready\n", await readyz.Content.ReadAsStringAsync(Ct));
        }

        // The OpenAPI document is public (it describes the routes, not the node's data) and says that they need a bearer token.
        using var openApi = await http.GetAsync("openapi/v1.json");
        var document = await ServerHttp.AssertOkAsync(openApi, "GET openapi/v1.json without a token");
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/runs", "/api/v1/tasks", "/api/v1/tokens", "/api/v1/node", "/healthz" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the OpenAPI document lacks {path}");
        }

        using var reference = await http.GetAsync("api");
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);
        var page = await reference.Content.ReadAsStringAsync(Ct);
        Assert.Contains("<code>/api/v1/tokens</code></td><td>admin</td>", page, StringComparison.Ordinal);
        Assert.Contains("<code>/api/v1/runs</code></td><td>submit</td>", page, StringComparison.Ordinal);
        Assert.Contains("<code>/healthz</code></td><td>none</td>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Behind_a_proxy_the_forwarded_scheme_makes_the_session_cookie_secure_and_without_the_option_it_is_ignored()
    {
        using var cli = new CliRunner();
        foreach (var behindProxy in new[] { true, false })
        {
            await using var server = behindProxy ? await TeamServer.StartAsync(cli, "--behind-proxy") : await TeamServer.StartAsync(cli);
            using var http = new ServerHttp(server);
            using var request = new HttpRequestMessage(HttpMethod.Get, server.LoginLink.PathAndQuery);
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Address };
            using var login = await client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            var setCookie = login.Headers.GetValues("Set-Cookie").Single();
            Assert.True(behindProxy == setCookie.Contains("secure", StringComparison.OrdinalIgnoreCase), $"behind a proxy: {behindProxy}: {setCookie}");
        }
    }

    /// <summary>Sends its content without a Content-Length (chunked), however it was made.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly HttpContent _inner;

        public ChunkedContent(HttpContent inner)
        {
            _inner = inner;
            Headers.ContentType = inner.Headers.ContentType;
        }

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyTo(stream, context, cancellationToken);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream, context);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyToAsync(stream, context, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
