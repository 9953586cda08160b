using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Hosting.Queries;

namespace Baton.Hosting.Tests.Api;

/// <summary>Output downloads against a real node: listings, ranged files, zips, and every way out of the task's directory.</summary>
public sealed class FileEndpointsTests(ReadNode node) : IClassFixture<ReadNode>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<TaskRow> TaskAsync(string name) =>
        Assert.Single((await node.Client.ListTasksAsync(new TaskQuery { Text = name }, Ct)).Tasks);

    /// <summary>A task directory with a known nested file beside its attempt's logs.</summary>
    private async Task<TaskRow> WithResultAsync(string name, string content)
    {
        var row = await TaskAsync(name);
        Directory.CreateDirectory(Path.Combine(row.Directory, "out", "deep"));
        await File.WriteAllTextAsync(Path.Combine(row.Directory, "out", "deep", "result.txt"), content, Ct);
        return row;
    }

    [Fact]
    public async Task A_listing_pages_through_every_file_once_with_its_size()
    {
        var row = await WithResultAsync("step-6", "forty-two\n");
        var whole = await node.Client.ListFilesAsync(row.TaskId, null, 1000, false, Ct);
        Assert.Null(whole.Next);
        var result = Assert.Single(whole.Files, f => f.Path == "out/deep/result.txt");
        Assert.Equal(10, result.Size);
        Assert.Null(result.Sha256);
        var hashed = await node.Client.ListFilesAsync(row.TaskId, null, 1000, true, Ct);
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("forty-two\n"u8)),
            Assert.Single(hashed.Files, f => f.Path == "out/deep/result.txt").Sha256);
        Assert.Contains(whole.Files, f => f.Path.EndsWith("/stdout", StringComparison.Ordinal));
        Assert.Equal(whole.Files.Select(f => f.Path).Order(StringComparer.Ordinal), whole.Files.Select(f => f.Path));

        var paged = new List<string>();
        string? after = null;
        do
        {
            var page = await node.Client.ListFilesAsync(row.TaskId, after, 1, false, Ct);
            Assert.True(page.Files.Count <= 1);
            paged.AddRange(page.Files.Select(f => f.Path));
            after = page.Next;
        }
        while (after is not null && paged.Count < 100);
        Assert.Equal(whole.Files.Select(f => f.Path), paged);
        await Assert.ThrowsAsync<NotFoundException>(() => node.Client.ListFilesAsync(99999, null, 10, false, Ct));
        await Assert.ThrowsAsync<BatonInputException>(() => node.Client.ListFilesAsync(row.TaskId, null, 0, false, Ct));
    }

    [Fact]
    public async Task A_file_is_served_whole_by_range_and_revalidated_by_its_etag()
    {
        var row = await WithResultAsync("step-6", "0123456789");
        using var whole = new MemoryStream();
        await node.Client.CopyFileAsync(row.TaskId, "out/deep/result.txt", whole, Ct);
        Assert.Equal("0123456789", Encoding.UTF8.GetString(whole.ToArray()));

        using var http = SocketHttp.Create(node.Client.SocketPath!);
        var path = new Uri($"api/v1/tasks/{row.TaskId}/files/out/deep/result.txt", UriKind.Relative);
        using var ranged = new HttpRequestMessage(HttpMethod.Get, path);
        ranged.Headers.Range = new RangeHeaderValue(2, 5);
        using var partial = await http.SendAsync(ranged, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("2345", await partial.Content.ReadAsStringAsync(Ct));
        Assert.NotNull(partial.Content.Headers.LastModified);
        var tag = Assert.IsType<EntityTagHeaderValue>(partial.Headers.ETag);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(tag);
        using var unchanged = await http.SendAsync(again, Ct);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);

        await Assert.ThrowsAsync<NotFoundException>(() => node.Client.CopyFileAsync(row.TaskId, "out/no-such-file", Stream.Null, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => node.Client.CopyFileAsync(row.TaskId, "out/deep", Stream.Null, Ct));
    }

    [Fact]
    public async Task A_zip_holds_every_listed_file_with_its_bytes()
    {
        var row = await WithResultAsync("step-7", "zipped\n");
        using var buffer = new MemoryStream();
        await node.Client.CopyZipAsync(row.TaskId, buffer, Ct);
        buffer.Position = 0;
        using var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
        var listed = (await node.Client.ListFilesAsync(row.TaskId, null, 1000, false, Ct)).Files.Select(f => f.Path);
        Assert.Equal(listed, zip.Entries.Select(e => e.FullName));
        using var reader = new StreamReader(zip.GetEntry("out/deep/result.txt")!.Open());
        Assert.Equal("zipped\n", await reader.ReadToEndAsync(Ct));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../secret.txt")]
    [InlineData("out/../../secret.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("out/./deep/result.txt")]
    [InlineData("out//deep")]
    [InlineData("")]
    [InlineData("out\\..\\..\\secret.txt")]
    [InlineData("out/deep/result.txt\0.png")]
    public async Task A_path_that_is_not_plainly_inside_the_task_directory_is_refused_before_a_file_is_opened(string path)
    {
        Assert.Throws<BatonInputException>(() => TaskFilePath.Check(path));
        var row = await TaskAsync("step-6");
        var local = new NodeQueries(node.Node.Store, null, TimeProvider.System);
        await Assert.ThrowsAsync<BatonInputException>(() => local.FileAsync(row.TaskId, path, Ct));
        await Assert.ThrowsAsync<BatonInputException>(() => node.Client.CopyFileAsync(row.TaskId, path, Stream.Null, Ct));
    }

    [Theory]
    [InlineData("%2e%2e/%2e%2e/%2e%2e/secret.txt")]
    [InlineData("..%2F..%2F..%2Fsecret.txt")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData("out%5C..%5C..%5C..%5Csecret.txt")]
    [InlineData("out%00")]
    [InlineData("%252e%252e/%252e%252e/secret.txt")]
    public async Task Encoded_ways_out_are_refused_over_http_and_nothing_outside_is_read(string encoded)
    {
        var row = await TaskAsync("step-6");
        await File.WriteAllTextAsync(Path.Combine(node.Root, "secret.txt"), "do not serve", Ct);
        using var http = SocketHttp.Create(node.Client.SocketPath!);
        using var response = await http.GetAsync(new Uri($"api/v1/tasks/{row.TaskId}/files/{encoded}", UriKind.Relative), Ct);
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.NotFound });
        Assert.DoesNotContain("do not serve", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_out_of_the_task_directory_is_refused_and_never_listed_or_zipped()
    {
        var row = await TaskAsync("step-4");
        var outside = Path.Combine(node.Root, "outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), "do not serve", Ct);
        File.CreateSymbolicLink(Path.Combine(row.Directory, "leak.txt"), Path.Combine(outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(row.Directory, "leakdir"), outside);
        await File.WriteAllTextAsync(Path.Combine(row.Directory, "inside.txt"), "fine", Ct);
        File.CreateSymbolicLink(Path.Combine(row.Directory, "alias.txt"), "inside.txt");

        using var http = SocketHttp.Create(node.Client.SocketPath!);
        foreach (var path in new[] { "leak.txt", "leakdir/secret.txt" })
        {
            using var response = await http.GetAsync(new Uri($"api/v1/tasks/{row.TaskId}/files/{path}", UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync(NodeJson.Default.ApiProblem, Ct);
            Assert.Equal(ApiProblems.Input, problem?.Type);
            Assert.Contains("leads out of", problem?.Detail, StringComparison.Ordinal);
        }
        using var alias = new MemoryStream();
        await node.Client.CopyFileAsync(row.TaskId, "alias.txt", alias, Ct);
        Assert.Equal("fine", Encoding.UTF8.GetString(alias.ToArray()));

        var listed = (await node.Client.ListFilesAsync(row.TaskId, null, 1000, false, Ct)).Files.Select(f => f.Path).ToList();
        Assert.Contains("alias.txt", listed);
        Assert.DoesNotContain(listed, p => p.StartsWith("leak", StringComparison.Ordinal));
        using var buffer = new MemoryStream();
        await node.Client.CopyZipAsync(row.TaskId, buffer, Ct);
        buffer.Position = 0;
        using var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
        Assert.DoesNotContain(zip.Entries, e => e.FullName.StartsWith("leak", StringComparison.Ordinal));
    }
}
