using Baton.Core.Executors;
using Baton.Testing;
using static Baton.Executors.Local.Tests.TestSupport;

namespace Baton.Executors.Local.Tests;

public sealed class ProgramResolverTests : IDisposable
{
    private readonly TempDirectory _temp = new("baton-path-");

    [Fact]
    public void A_found_program_is_cached_and_not_looked_up_again()
    {
        var first = NewDirectory(_temp.Path, "first");
        var second = NewDirectory(_temp.Path, "second");
        WriteExecutable(Path.Combine(first, "prog"), "#!/bin/sh\n");
        var resolver = new ProgramResolver($"{first}:{second}");

        Assert.Equal(Path.Combine(first, "prog"), resolver.Resolve("prog", _temp.Path));
        // Had it looked again it would find the new one in the second directory.
        File.Delete(Path.Combine(first, "prog"));
        WriteExecutable(Path.Combine(second, "prog"), "#!/bin/sh\n");

        Assert.Equal(Path.Combine(first, "prog"), resolver.Resolve("prog", _temp.Path));
        Assert.Equal(1, resolver.CachedCount);
    }

    [Fact]
    public void A_program_not_found_is_not_cached()
    {
        var bin = NewDirectory(_temp.Path, "bin");
        var resolver = new ProgramResolver(bin);

        var e = Assert.Throws<ExecutorStartException>(() => resolver.Resolve("later", _temp.Path));
        Assert.Equal($"program 'later' not found on PATH (searched {bin})", e.Message);

        WriteExecutable(Path.Combine(bin, "later"), "#!/bin/sh\n");
        Assert.Equal(Path.Combine(bin, "later"), resolver.Resolve("later", _temp.Path));
    }

    [Fact]
    public void A_file_that_is_not_executable_is_skipped_like_a_shell_does()
    {
        var first = NewDirectory(_temp.Path, "first");
        var second = NewDirectory(_temp.Path, "second");
        File.WriteAllText(Path.Combine(first, "prog"), "not executable");
        File.SetUnixFileMode(Path.Combine(first, "prog"), UnixFileMode.UserRead);
        WriteExecutable(Path.Combine(second, "prog"), "#!/bin/sh\n");

        Assert.Equal(Path.Combine(second, "prog"), new ProgramResolver($"{first}:{second}").Resolve("prog", _temp.Path));
    }

    [Fact]
    public void Relative_and_empty_search_path_entries_are_ignored()
    {
        var work = NewDirectory(_temp.Path, "work");
        WriteExecutable(Path.Combine(work, "prog"), "#!/bin/sh\n");
        var resolver = new ProgramResolver("::.:work");

        Assert.Throws<ExecutorStartException>(() => resolver.Resolve("prog", work));
        Assert.Throws<ExecutorStartException>(() => resolver.Resolve("prog", _temp.Path));
    }

    [Fact]
    public void A_path_with_a_slash_resolves_against_the_working_directory_and_is_not_cached()
    {
        var work = NewDirectory(_temp.Path, "work");
        NewDirectory(work, "tools");
        WriteExecutable(Path.Combine(work, "tools", "prog"), "#!/bin/sh\n");
        var resolver = new ProgramResolver("/usr/bin:/bin");

        Assert.Equal(Path.Combine(work, "tools", "prog"), resolver.Resolve("tools/prog", work));
        Assert.Equal(Path.Combine(work, "tools", "prog"), resolver.Resolve("./tools/../tools/prog", work));
        Assert.Equal(0, resolver.CachedCount);
        var e = Assert.Throws<ExecutorStartException>(() => resolver.Resolve("tools/prog", _temp.Path));
        Assert.Equal($"program 'tools/prog' not found (no file {Path.Combine(_temp.Path, "tools", "prog")})", e.Message);
        Assert.True(e.Permanent);
    }

    [Fact]
    public void The_orchestrators_PATH_finds_a_common_program()
    {
        var resolver = new ProgramResolver(Environment.GetEnvironmentVariable("PATH"));

        var path = resolver.Resolve("sh", _temp.Path);

        Assert.True(Path.IsPathFullyQualified(path));
        Assert.EndsWith("/sh", path, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
