using System.Net;
using Baton.Client;
using Baton.Core.Stores;

namespace Baton.Cli.Tests.Server;

/// <summary>
/// Who may do what on <c>baton serve</c> over TCP: tokens and their scopes, revocation and expiry, the runs a submit
/// token may change, and the dashboard's login link. Against the real command on loopback.
/// </summary>
public sealed class ServeSecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A workflow of one task that sleeps until killed: a run that stays live while a test acts on it.</summary>
    private static string Sleeper(CliRunner cli, string name) => cli.WriteWorkflow($"""
        name: {name}
        defaults:
          max_attempts: 1
        tasks:
          - name: nap
            command: sleep 600
        """, $"{name}.yaml");

    private static string Submission(string file) => $$"""{"file": {{ServerHttp.Quote(file)}}}""";

    [Fact]
    public async Task Requests_without_a_valid_token_are_401_problems_on_reads_and_submissions()
    {
        using var cli = new CliRunner();
        var workflow = Sleeper(cli, "guarded");
        await using var server = await TeamServer.StartAsync(cli);
        var valid = await TeamServer.TokenAsync(cli, "valid", "admin");
        var revoked = await TeamServer.TokenAsync(cli, "leaver", "admin");
        var revoke = await cli.RunAsync("token", "revoke", "leaver");
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        var expired = await ServerHttp.ExpiredTokenAsync(cli, "stale", TokenScope.Admin);
        using var http = new ServerHttp(server);

        (string What, string? Token)[] callers =
        [
            ("no token", null),
            ("an unknown token", "baton_" + new string('A', 43)),
            ("not a baton token", "hunter2"),
            ("a revoked token", revoked),
            ("an expired token", expired),
        ];
        foreach (var (what, token) in callers)
        {
            foreach (var path in new[] { "api/v1/runs", "api/v1/node", "api/v1/tokens" })
            {
                using var read = await http.GetAsync(path, token);
                await ServerHttp.AssertProblemAsync(read, HttpStatusCode.Unauthorized, ApiProblems.Unauthenticated, $"GET {path} with {what}");
                Assert.Equal("Bearer", read.Headers.WwwAuthenticate.Single().Scheme);
            }
            using var submit = await http.PostAsync("api/v1/runs", token, Submission(workflow));
            await ServerHttp.AssertProblemAsync(submit, HttpStatusCode.Unauthorized, ApiProblems.Unauthenticated, $"POST api/v1/runs with {what}");
        }
        // Nothing was started by the refused submissions; the valid token reads (so the 401s above were the tokens').
        using var runs = await http.GetAsync("api/v1/runs", valid);
        Assert.Equal(0, (await ServerHttp.AssertOkAsync(runs, "GET api/v1/runs with a valid token")).GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public async Task A_read_token_only_reads_a_submit_token_changes_only_its_own_runs_and_admin_changes_any()
    {
        using var cli = new CliRunner();
        var alphaFile = Sleeper(cli, "alpha");
        var betaFile = Sleeper(cli, "beta");
        await using var server = await TeamServer.StartAsync(cli);
        var reader = await TeamServer.TokenAsync(cli, "reader", "read");
        var alice = await TeamServer.TokenAsync(cli, "alice", "submit");
        var bob = await TeamServer.TokenAsync(cli, "bob", "submit");
        var admin = await TeamServer.TokenAsync(cli, "boss", "admin");
        using var http = new ServerHttp(server);

        // read: looks, never submits, never manages tokens.
        using (var read = await http.GetAsync("api/v1/node", reader))
        {
            await ServerHttp.AssertOkAsync(read, "GET api/v1/node with a read token");
        }
        using (var submit = await http.PostAsync("api/v1/runs", reader, Submission(alphaFile)))
        {
            await ServerHttp.AssertProblemAsync(submit, HttpStatusCode.Forbidden, ApiProblems.Forbidden, "POST api/v1/runs with a read token");
        }
        foreach (var token in new[] { reader, alice })
        {
            using var create = await http.PostAsync("api/v1/tokens", token, """{"name": "sneaky", "scope": "admin"}""");
            await ServerHttp.AssertProblemAsync(create, HttpStatusCode.Forbidden, ApiProblems.Forbidden, "POST api/v1/tokens without admin");
            using var list = await http.GetAsync("api/v1/tokens", token);
            await ServerHttp.AssertProblemAsync(list, HttpStatusCode.Forbidden, ApiProblems.Forbidden, "GET api/v1/tokens without admin");
        }

        // submit: alice and bob each start a run.
        using var alphaSubmitted = await http.PostAsync("api/v1/runs", alice, Submission(alphaFile));
        var alpha = (await ServerHttp.AssertOkAsync(alphaSubmitted, "alice submits alpha")).GetProperty("run_id").GetInt64();
        Assert.Equal(HttpStatusCode.Created, alphaSubmitted.StatusCode);
        using var betaSubmitted = await http.PostAsync("api/v1/runs", bob, Submission(betaFile));
        var beta = (await ServerHttp.AssertOkAsync(betaSubmitted, "bob submits beta")).GetProperty("run_id").GetInt64();

        // bob may not change alice's run in any way; a read token may not either.
        (string Path, string Body)[] changes =
        [
            ("api/v1/tasks/kill", """{"workflow": "alpha", "tasks": []}"""),
            ("api/v1/tasks/set", """{"workflow": "alpha", "tasks": ["nap"], "values": ["priority=5"]}"""),
            ("api/v1/limits", """{"workflow": "alpha", "template": null, "limit": 2}"""),
            ($"api/v1/runs/{alpha}/interrupt", ""),
        ];
        foreach (var (path, body) in changes)
        {
            using var byBob = await http.PostAsync(path, bob, body);
            var detail = await ServerHttp.AssertProblemAsync(byBob, HttpStatusCode.Forbidden, ApiProblems.Forbidden, $"bob: POST {path} on alice's run");
            Assert.Contains("'alice'", detail, StringComparison.Ordinal);
            using var byReader = await http.PostAsync(path, reader, body);
            await ServerHttp.AssertProblemAsync(byReader, HttpStatusCode.Forbidden, ApiProblems.Forbidden, $"reader: POST {path}");
        }
        using (var live = await http.GetAsync($"api/v1/runs/{alpha}", reader))
        {
            Assert.Equal("Running", (await ServerHttp.AssertOkAsync(live, "alpha after bob's attempts")).GetProperty("run").GetProperty("status").GetString());
        }

        // alice changes and kills her own run; admin kills bob's.
        using (var limit = await http.PostAsync("api/v1/limits", alice, """{"workflow": "alpha", "template": null, "limit": 2}"""))
        {
            await ServerHttp.AssertOkAsync(limit, "alice limits alpha");
        }
        using (var kill = await http.PostAsync("api/v1/tasks/kill", alice, """{"workflow": "alpha", "tasks": []}"""))
        {
            var killed = await ServerHttp.AssertOkAsync(kill, "alice kills alpha");
            Assert.True(killed.GetProperty("handled").GetBoolean(), killed.ToString());
            Assert.Equal("killed", killed.GetProperty("results")[0].GetProperty("outcome").GetString());
        }
        using (var kill = await http.PostAsync("api/v1/tasks/kill", admin, """{"workflow": "beta", "tasks": ["nap"]}"""))
        {
            var killed = await ServerHttp.AssertOkAsync(kill, "admin kills bob's beta");
            Assert.True(killed.GetProperty("handled").GetBoolean(), killed.ToString());
        }
        using (var interrupt = await http.PostAsync($"api/v1/runs/{beta}/interrupt", admin, ""))
        {
            // The run may have ended with its only task killed (404: not driven any more) or still be closing (202).
            Assert.True(interrupt.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.NotFound, $"admin interrupts bob's run: {(int)interrupt.StatusCode}");
        }

        // admin manages tokens.
        using (var create = await http.PostAsync("api/v1/tokens", admin, """{"name": "newcomer", "scope": "read"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
            Assert.StartsWith("baton_", (await ServerHttp.AssertOkAsync(create, "admin creates a token")).GetProperty("secret").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_runs_a_token_submits_record_its_name_and_the_socket_records_the_owner()
    {
        using var cli = new CliRunner();
        var byToken = cli.WriteWorkflow("""
            name: remote-quick
            tasks:
              - name: one
                command: "true"
            """, "remote-quick.yaml");
        var bySocket = cli.WriteWorkflow("""
            name: local-quick
            tasks:
              - name: one
                command: "true"
            """, "local-quick.yaml");
        await using var server = await TeamServer.StartAsync(cli);
        var carol = await TeamServer.TokenAsync(cli, "carol@lab", "submit");
        using var http = new ServerHttp(server);

        using var submitted = await http.PostAsync("api/v1/runs", carol, Submission(byToken));
        var runId = (await ServerHttp.AssertOkAsync(submitted, "carol submits")).GetProperty("run_id").GetInt64();
        using var read = await http.GetAsync($"api/v1/runs/{runId}", carol);
        Assert.Equal("carol@lab", (await ServerHttp.AssertOkAsync(read, "the run")).GetProperty("run").GetProperty("submitted_by").GetString());

        // The workspace's socket needs no token: its owner is admin, and runs record the owner's user name.
        using (var owner = new NodeClient(Hosting.Api.NodeEndpoint.For(new Core.Workspaces.WorkspaceLayout(cli.Workspace)).SocketPath))
        {
            await owner.SubmitAsync(new RunSubmission(bySocket), Ct);
        }

        var runs = await cli.RunAsync("runs", "--json");
        Assert.True(runs.ExitCode == 0, runs.ToString());
        var byWorkflow = System.Text.Json.JsonDocument.Parse(runs.Output).RootElement.EnumerateArray()
            .ToDictionary(r => r.GetProperty("workflow").GetString()!, r => r.GetProperty("submitted_by").GetString());
        Assert.Equal("carol@lab", byWorkflow["remote-quick"]);
        Assert.Equal(Environment.UserName, byWorkflow["local-quick"]);
    }

    [Fact]
    public async Task The_cli_with_a_bad_token_or_too_small_a_scope_says_so_in_one_line_with_exit_4()
    {
        using var cli = new CliRunner();
        await using var server = await TeamServer.StartAsync(cli);
        var reader = await TeamServer.TokenAsync(cli, "reader", "read");
        var url = server.Address.AbsoluteUri;

        var unknown = await cli.RunAsync("runs", "--server", url, "--token", "baton_" + new string('B', 43));
        var none = await cli.RunAsync("ls", "--server", url);
        var scope = await cli.RunAsync("token", "create", "--name", "x", "--scope", "read", "--server", url, "--token", reader);
        foreach (var (result, says) in new[] { (unknown, "not valid"), (none, "needs a token"), (scope, "scope ('read')") })
        {
            Assert.True(result.ExitCode == 4, result.ToString());
            Assert.Equal("", result.Output);
            var line = Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
            Assert.StartsWith("baton: error: the server refused the request: ", line, StringComparison.Ordinal);
            Assert.Contains(says, line, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", line, StringComparison.Ordinal);
        }
        var listed = await cli.RunAsync("token", "list", "--json");
        Assert.DoesNotContain("\"x\"", listed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_login_link_opens_a_session_once_and_a_session_opened_with_a_token_ends_with_it()
    {
        using var cli = new CliRunner();
        await using var server = await TeamServer.StartAsync(cli);
        using var http = new ServerHttp(server);

        using var login = await http.GetAsync(server.LoginLink.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
        Assert.Contains("no-store", login.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var setCookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("baton_session=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        // Plain HTTP on loopback: a Secure cookie would never come back.
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];

        // The session is the owner's, admin: it reads and manages tokens.
        using (var node = await http.GetAsync("api/v1/node", cookie: cookie))
        {
            await ServerHttp.AssertOkAsync(node, "GET api/v1/node with the session cookie");
        }
        using (var tokens = await http.GetAsync("api/v1/tokens", cookie: cookie))
        {
            await ServerHttp.AssertOkAsync(tokens, "GET api/v1/tokens with the session cookie");
        }
        using (var forged = await http.GetAsync("api/v1/node", cookie: "baton_session=" + new string('C', 43)))
        {
            await ServerHttp.AssertProblemAsync(forged, HttpStatusCode.Unauthorized, ApiProblems.Unauthenticated, "a made-up session cookie");
        }

        // The link is single-use.
        using (var again = await http.GetAsync(server.LoginLink.PathAndQuery))
        {
            await ServerHttp.AssertProblemAsync(again, HttpStatusCode.Unauthorized, ApiProblems.Unauthenticated, "the login link used a second time");
            Assert.False(again.Headers.Contains("Set-Cookie"));
        }

        // A session opened with an API token has the token's scope, and ends when the token is revoked.
        var reader = await TeamServer.TokenAsync(cli, "viewer", "read");
        using var tokenLogin = await http.GetAsync($"login?token={Uri.EscapeDataString(reader)}");
        Assert.Equal(HttpStatusCode.Redirect, tokenLogin.StatusCode);
        var readerCookie = tokenLogin.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using (var runs = await http.GetAsync("api/v1/runs", cookie: readerCookie))
        {
            await ServerHttp.AssertOkAsync(runs, "GET api/v1/runs with a read token's session");
        }
        using (var tokens = await http.GetAsync("api/v1/tokens", cookie: readerCookie))
        {
            await ServerHttp.AssertProblemAsync(tokens, HttpStatusCode.Forbidden, ApiProblems.Forbidden, "GET api/v1/tokens with a read token's session");
        }
        Assert.Equal(0, (await cli.RunAsync("token", "revoke", "viewer")).ExitCode);
        using (var ended = await http.GetAsync("api/v1/runs", cookie: readerCookie))
        {
            await ServerHttp.AssertProblemAsync(ended, HttpStatusCode.Unauthorized, ApiProblems.Unauthenticated, "the session of a revoked token");
        }
        using (var badLogin = await http.GetAsync($"login?token={Uri.EscapeDataString(reader)}"))
        {
            await ServerHttp.AssertProblemAsync(badLogin, HttpStatusCode.Unauthorized, ApiProblems.Unauthenticated, "login with a revoked token");
        }
    }

    [Fact]
    public async Task A_session_cookie_changes_nothing_from_another_origin_even_a_same_site_one()
    {
        using var cli = new CliRunner();
        var workflow = Sleeper(cli, "watched");
        await using var server = await TeamServer.StartAsync(cli);
        var admin = await TeamServer.TokenAsync(cli, "admin", "admin");
        using var http = new ServerHttp(server);
        using var login = await http.GetAsync(server.LoginLink.PathAndQuery);
        var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using var submitted = await http.PostAsync("api/v1/runs", admin, Submission(workflow));
        var runId = (await ServerHttp.AssertOkAsync(submitted, "submit")).GetProperty("run_id").GetInt64();
        var self = server.Address.GetLeftPart(UriPartial.Authority);

        // What a page on another port of this host (same site, so the SameSite cookie goes along) could send with a
        // plain HTML form: a POST with no body. The browser says where it comes from; the server must listen.
        (string Name, string Value)[][] foreign =
        [
            [("Origin", "http://127.0.0.1:1")],
            [("Origin", "null")],
            [("Sec-Fetch-Site", "same-site"), ("Origin", "http://127.0.0.1:1")],
            [("Sec-Fetch-Site", "cross-site")],
        ];
        foreach (var headers in foreign)
        {
            using var interrupt = await http.SendAsync(HttpMethod.Post, $"api/v1/runs/{runId}/interrupt", null, null, cookie, headers);
            await ServerHttp.AssertProblemAsync(interrupt, HttpStatusCode.Unauthorized, ApiProblems.Unauthenticated, $"a cookie POST with {string.Join(", ", headers)}");
        }
        // Reading with the cookie from elsewhere is the browser's to refuse (no CORS here); a token is never a cookie.
        using (var read = await http.GetAsync($"api/v1/runs/{runId}", cookie: cookie))
        {
            Assert.Equal("Running", (await ServerHttp.AssertOkAsync(read, "the run after the foreign POSTs")).GetProperty("run").GetProperty("status").GetString());
        }
        using (var own = await http.SendAsync(HttpMethod.Post, $"api/v1/runs/{runId}/interrupt", null, null, cookie, ("Origin", self), ("Sec-Fetch-Site", "same-origin")))
        {
            Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        }
    }
}
