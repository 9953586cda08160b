using System.IO.Compression;
using Baton.Cli.Tests.Server;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton download</c> from the workspace and through a server: one file, every file, a zip; ways out refused.</summary>
public sealed class DownloadCommandTests
{
    [Fact]
    public async Task Download_writes_a_task_s_files_locally_and_through_the_server_and_refuses_paths_out()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow("""
            name: outputs
            tasks:
              - name: report
                command: sh -c 'mkdir -p "$1/plots" && echo "total 42" > "$1/report.txt" && echo "png" > "$1/plots/a.png"' sh {task_dir}
            """);
        var ran = await cli.RunAsync("run", workflow, "--no-progress");
        Assert.True(ran.ExitCode == 0, ran.ToString());
        await File.WriteAllTextAsync(Path.Combine(cli.Root, "secret.txt"), "do not copy", TestContext.Current.CancellationToken);

        var local = Path.Combine(cli.Root, "local");
        var one = await cli.RunAsync("download", "report", "report.txt", "-o", local);
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Equal("total 42\n", await File.ReadAllTextAsync(Path.Combine(local, "report.txt"), TestContext.Current.CancellationToken));

        await using var server = await TeamServer.StartAsync(cli);
        var token = await TeamServer.TokenAsync(cli, "reader", "read");
        var remote = Path.Combine(cli.Root, "remote");
        var all = await cli.RunAsync("download", "report", "-o", remote, "--server", server.Address.AbsoluteUri, "--token", token);
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal("total 42\n", await File.ReadAllTextAsync(Path.Combine(remote, "report.txt"), TestContext.Current.CancellationToken));
        Assert.Equal("png\n", await File.ReadAllTextAsync(Path.Combine(remote, "plots", "a.png"), TestContext.Current.CancellationToken));
        Assert.Empty(Directory.GetFiles(remote, "*.partial", SearchOption.AllDirectories));

        var zipped = await cli.RunAsync("download", "report", "--zip", "-o", remote, "--server", server.Address.AbsoluteUri, "--token", token);
        Assert.True(zipped.ExitCode == 0, zipped.ToString());
        using (var zip = ZipFile.OpenRead(Path.Combine(remote, "report.zip")))
        {
            Assert.Contains(zip.Entries, e => e.FullName == "plots/a.png");
            Assert.Contains(zip.Entries, e => e.FullName == "report.txt");
        }

        foreach (var server_ in new[] { false, true })
        {
            string[] extra = server_ ? ["--server", server.Address.AbsoluteUri, "--token", token] : [];
            foreach (var path in new[] { "../../../secret.txt", "/etc/passwd", "plots/../../secret.txt" })
            {
                var refused = await cli.RunAsync(["download", "report", path, "-o", Path.Combine(cli.Root, "refused"), .. extra]);
                Assert.True(refused.ExitCode == 2, refused.ToString());
                Assert.Contains("not a path in a task's directory", refused.Error, StringComparison.Ordinal);
            }
            var missing = await cli.RunAsync(["download", "report", "no-such-file", "-o", Path.Combine(cli.Root, "refused"), .. extra]);
            Assert.True(missing.ExitCode == 2, missing.ToString());
        }
        Assert.False(File.Exists(Path.Combine(cli.Root, "refused", "secret.txt")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(cli.Root, "refused")));
    }
}
