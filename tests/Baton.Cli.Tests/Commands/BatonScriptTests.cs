using System.Diagnostics;
using System.Runtime.Versioning;

namespace Baton.Cli.Tests.Commands;

/// <summary>
/// The <c>./baton</c> script builds the CLI again only when a source or project file changed, never because a
/// build wrote into <c>bin/</c> or <c>obj/</c>. Run on a copy of the script in a small fake checkout, with a
/// <c>dotnet</c> on PATH that only records that a build was asked for.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class BatonScriptTests
{
    [Fact]
    public async Task Files_written_under_bin_or_obj_do_not_make_it_build_but_a_changed_source_does()
    {
        using var cli = new CliRunner();
        var root = Directory.CreateDirectory(Path.Join(cli.Root, "checkout")).FullName;
        File.Copy(Path.Join(CliRunner.RepositoryRoot, "baton"), Path.Join(root, "baton"));
        MakeExecutable(Path.Join(root, "baton"));
        var built = Path.Join(root, "dotnet-was-called");
        var tools = Directory.CreateDirectory(Path.Join(root, "tools")).FullName;
        await File.WriteAllTextAsync(Path.Join(tools, "dotnet"), $"#!/bin/sh\ntouch '{built}'\nexit 1\n", TestContext.Current.CancellationToken);
        MakeExecutable(Path.Join(tools, "dotnet"));
        var artifacts = Directory.CreateDirectory(Path.Join(root, "artifacts", "baton")).FullName;
        await File.WriteAllTextAsync(Path.Join(artifacts, "baton"), "#!/bin/sh\necho \"ran $*\"\n", TestContext.Current.CancellationToken);
        MakeExecutable(Path.Join(artifacts, "baton"));
        var source = Path.Join(Directory.CreateDirectory(Path.Join(root, "src", "Baton.Cli")).FullName, "Program.cs");
        await File.WriteAllTextAsync(source, "// source", TestContext.Current.CancellationToken);
        var stamp = Path.Join(artifacts, ".built");
        await File.WriteAllTextAsync(stamp, "", TestContext.Current.CancellationToken);
        var now = DateTime.UtcNow;
        File.SetLastWriteTimeUtc(source, now.AddHours(-2));
        File.SetLastWriteTimeUtc(stamp, now.AddHours(-1));
        foreach (var written in new[] { Path.Join("bin", "Release", "net10.0", "baton.deps.json"), Path.Join("obj", "project.assets.json"), Path.Join("obj", "Gen.cs") })
        {
            var path = Path.Join(root, "src", "Baton.Cli", written);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, "{}", TestContext.Current.CancellationToken);
        }

        var (code, output) = await ScriptAsync(root, tools, "ls");
        Assert.True(code == 0, output);
        Assert.Equal("ran ls\n", output);
        Assert.False(File.Exists(built), "a build was started although no source changed");

        File.SetLastWriteTimeUtc(source, now);
        (code, output) = await ScriptAsync(root, tools, "ls");
        Assert.Equal(1, code);
        Assert.True(File.Exists(built), "a changed source must start a build");
    }

    private static async Task<(int Code, string Output)> ScriptAsync(string root, string tools, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Join(root, "baton")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["PATH"] = tools + ":/usr/bin:/bin";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }

    private static void MakeExecutable(string path) =>
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
}
