using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Baton.Client;
using Baton.Testing;

namespace Baton.Cli.Tests.Server;

/// <summary>
/// <c>baton run</c> through a team server: the workflow's directory travels as a bundle, the run happens in the
/// server's workspace, and a bad bundle is refused before anything is written.
/// </summary>
public sealed class RemoteRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_quickstart_runs_on_the_server_from_a_directory_the_server_never_saw_and_a_second_run_runs_nothing()
    {
        using var cli = new CliRunner();
        await using var server = await TeamServer.StartAsync(cli);
        var submitter = await TeamServer.TokenAsync(cli, "carol", "submit");
        // The client's copy lives outside anything the server reads: only the bundle can bring it there.
        var copy = Directory.CreateDirectory(Path.Combine(cli.Root, "laptop", "quickstart")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(CliRunner.RepositoryRoot, "examples", "quickstart")))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        string[] Remote(params string[] command) => [.. command, "--server", server.Address.AbsoluteUri, "--token", submitter];

        var first = await cli.RunAsync(Remote("run", Path.Combine(copy, "workflow.yaml"), "--json"));

        Assert.True(first.ExitCode == 0, first.ToString());
        using (var outcome = JsonDocument.Parse(first.Output))
        {
            Assert.Equal("done", outcome.RootElement.GetProperty("status").GetString());
            Assert.Equal(13, outcome.RootElement.GetProperty("done").GetInt32());
        }
        Assert.Contains("as bundle ", first.Error, StringComparison.Ordinal);
        var listed = await cli.RunAsync(Remote("ls", "--json"));
        using (var tasks = JsonDocument.Parse(listed.Output))
        {
            Assert.Equal(13, tasks.RootElement.GetArrayLength());
            Assert.All(tasks.RootElement.EnumerateArray(), t => Assert.Equal("done", t.GetProperty("state").GetString()));
        }
        var runs = await cli.RunAsync(Remote("runs", "--json"));
        Assert.Contains("\"submitted_by\": \"carol\"", runs.Output, StringComparison.Ordinal);

        var second = await cli.RunAsync(Remote("run", Path.Combine(copy, "workflow.yaml"), "--json"));

        Assert.True(second.ExitCode == 0, second.ToString());
        using var again = JsonDocument.Parse(second.Output);
        Assert.Equal(13, again.RootElement.GetProperty("already_done").GetInt32());
        Assert.Equal(0, again.RootElement.GetProperty("attempts").GetInt32());

        // Detached, then waited for from another client: the server says how the run ended.
        File.AppendAllText(Path.Combine(copy, "workflow.yaml"), "\n  - { name: extra, command: 'sleep 0.2' }\n");
        var detached = await cli.RunAsync(Remote("run", Path.Combine(copy, "workflow.yaml"), "--detach"));
        Assert.True(detached.ExitCode == 0, detached.ToString());
        var waited = await cli.RunAsync(Remote("wait", detached.Output.Trim(), "--json"));
        Assert.True(waited.ExitCode == 0, waited.ToString());
        using var ended = JsonDocument.Parse(waited.Output);
        Assert.Equal("done", ended.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_bundle_that_reaches_outside_itself_or_holds_a_link_is_refused_and_only_submit_tokens_upload()
    {
        using var cli = new CliRunner();
        await using var server = await TeamServer.StartAsync(cli);
        var submitter = await TeamServer.TokenAsync(cli, "carol", "submit");
        var reader = await TeamServer.TokenAsync(cli, "rita", "read");
        using var http = new ServerHttp(server);

        var escaping = TestZips.Create(("../escaped.sh", "echo out", TestZips.Executable), ("workflow.yaml", "name: x", TestZips.File));
        var refused = await http.SendAsync(HttpMethod.Post, "api/v1/bundles", submitter, ZipContent(escaping));
        var detail = await ServerHttp.AssertProblemAsync(refused, HttpStatusCode.BadRequest, ApiProblems.Input, "an entry outside the bundle");
        Assert.Contains("'..'", detail, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(cli.Workspace, "escaped.sh")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(cli.Workspace, "bundles")));

        var linked = TestZips.Create(("secrets", "/etc/shadow", TestZips.Link));
        var link = await http.SendAsync(HttpMethod.Post, "api/v1/bundles", submitter, ZipContent(linked));
        Assert.Contains("links are not taken", await ServerHttp.AssertProblemAsync(link, HttpStatusCode.BadRequest, ApiProblems.Input, "a link"), StringComparison.Ordinal);

        var notZip = await http.SendAsync(HttpMethod.Post, "api/v1/bundles", submitter, new ByteArrayContent("not a zip"u8.ToArray()));
        await ServerHttp.AssertProblemAsync(notZip, HttpStatusCode.BadRequest, ApiProblems.Input, "not a zip");

        var byReader = await http.SendAsync(HttpMethod.Post, "api/v1/bundles", reader, ZipContent(TestZips.Create(("workflow.yaml", "name: x", TestZips.File))));
        await ServerHttp.AssertProblemAsync(byReader, HttpStatusCode.Forbidden, ApiProblems.Forbidden, "a read token uploading");

        // A good bundle, then a submission that names a file outside it.
        var good = await http.SendAsync(HttpMethod.Post, "api/v1/bundles", submitter, ZipContent(TestZips.Create(("workflow.yaml", "name: x\ntasks:\n  - { name: a, command: 'true' }\n", TestZips.File))));
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        var bundle = JsonDocument.Parse(await good.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("bundle").GetString()!;
        var outside = await http.PostAsync("api/v1/runs", submitter, $$"""{ "file": "../../baton.db", "bundle": "{{bundle}}" }""");
        await ServerHttp.AssertProblemAsync(outside, HttpStatusCode.BadRequest, ApiProblems.Input, "a file outside the bundle");
        var unknown = await http.PostAsync("api/v1/runs", submitter, """{ "file": "workflow.yaml", "bundle": "../../etc" }""");
        await ServerHttp.AssertProblemAsync(unknown, HttpStatusCode.BadRequest, ApiProblems.Input, "a bundle id that is a path");
    }

    private static ByteArrayContent ZipContent(byte[] zip)
    {
        var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return content;
    }
}
