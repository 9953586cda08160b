using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Testing;
using Baton.Testing.Graphs;

namespace Baton.Stores.Sqlite.Tests;

public sealed class SqliteOpenErrorTests : IDisposable
{
    private readonly TempDirectory _directory = new("baton-sqlite-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    private static async Task<BatonInputException> OpenFailsAsync(string path)
    {
        var error = await Assert.ThrowsAsync<BatonInputException>(async () => await SqliteStore.OpenAsync(path, cancellationToken: Token));
        Assert.Contains($"'{path}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Fact]
    public async Task A_directory_that_cannot_hold_the_file_is_named_in_the_error()
    {
        // A regular file where the directory should be: unwritable even for root.
        var file = _directory.Combine("a-file");
        await File.WriteAllTextAsync(file, "not a directory", Token);

        var error = await OpenFailsAsync(Path.Combine(file, "baton.db"));

        Assert.Contains("is a file, not a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_directory_is_named_in_the_error()
    {
        var error = await OpenFailsAsync(_directory.Combine("missing", "baton.db"));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_where_no_file_can_be_created_is_named_in_the_error()
    {
        // /proc refuses new files even to root; SQLite itself reports that it cannot open the file.
        Assert.SkipUnless(OperatingSystem.IsLinux() && Directory.Exists("/proc"), "needs Linux's /proc");

        await OpenFailsAsync($"/proc/baton-{Guid.NewGuid():N}.db");
    }

    [Fact]
    public async Task A_path_that_is_a_directory_is_refused()
    {
        var error = await OpenFailsAsync(_directory.Path);

        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_refused()
    {
        var path = _directory.Combine("baton.db");
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Repeat("this is not a SQLite database. ", 200)), Token);

        var error = await OpenFailsAsync(path);

        Assert.Contains("not a SQLite database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_of_another_program_is_refused_and_left_alone()
    {
        var path = _directory.Combine("other.db");
        RawSqlite.Execute(path, "CREATE TABLE notes (text TEXT)");

        var error = await OpenFailsAsync(path);

        Assert.Contains("not a Baton store", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, RawSqlite.Scalar(path, "PRAGMA user_version"));
    }

    [Fact]
    public async Task A_write_while_another_process_holds_the_lock_fails_with_a_clear_message_and_reads_go_on()
    {
        var path = _directory.Combine("baton.db");
        var graph = new TestGraphBuilder("wf").Task("a").Build();
        await using var store = await SqliteStore.OpenAsync(path, options: new SqliteStoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(100) }, cancellationToken: Token);
        var registration = await store.RegisterWorkflowAsync(graph, TestGraphs.Directories(graph), TestGraphs.ParamsJson(graph), DateTimeOffset.UnixEpoch, Token);

        using (var other = RawSqlite.Open(path))
        {
            RawSqlite.Execute(other, "BEGIN IMMEDIATE");

            var error = await Assert.ThrowsAsync<BatonInputException>(async () =>
                await store.StartRunAsync(registration.WorkflowId, "h", 1, DateTimeOffset.UnixEpoch, Token));
            Assert.Equal($"the store '{path}' is locked by another process", error.Message);
            // WAL: readers are not blocked by the writer.
            Assert.Single(await store.ListTasksAsync(new TaskFilter(), Token));

            RawSqlite.Execute(other, "ROLLBACK");
        }

        Assert.True(await store.StartRunAsync(registration.WorkflowId, "h", 1, DateTimeOffset.UnixEpoch, Token) > 0);
    }
}
