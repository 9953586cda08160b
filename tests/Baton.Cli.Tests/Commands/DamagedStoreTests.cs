using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Baton.Cli.Tests.Commands;

/// <summary>
/// A store file with a zeroed page (a disk error, a bad copy): every command says, in one line, that the store is
/// damaged and how to recover (exit 3, never an internal error); <c>baton store check</c> recovers what SQLite can
/// read into a new file and keeps the damaged one.
/// </summary>
public sealed class DamagedStoreTests
{
    private const string Workflow = "name: damaged\ntasks:\n  - { name: a, command: echo a }\n  - { name: b, command: echo b, after: [a] }\n";

    [Fact]
    public async Task A_zeroed_page_is_reported_as_a_damaged_store_with_the_way_to_recover()
    {
        using var cli = new CliRunner();
        var workflow = cli.WriteWorkflow(Workflow);
        var first = await cli.RunAsync("run", workflow);
        Assert.True(first.ExitCode == 0, first.ToString());
        var store = Path.Combine(cli.Workspace, "baton.db");
        ZeroRootPageOf(store, "tasks");

        foreach (var args in (string[][])[["ls"], ["run", workflow]])
        {
            var result = await cli.RunAsync(args);
            Assert.True(result.ExitCode == 3, result.ToString());
            Assert.Equal(
                $"baton: error: the store '{store}' is damaged (database disk image is malformed): run 'baton store check' to check it and recover what can be read into a new file (the damaged file is kept)\n",
                result.Error);
        }
    }

    [Fact]
    public async Task Store_check_recovers_what_can_be_read_into_a_new_file_and_keeps_the_damaged_one()
    {
        using var cli = new CliRunner();
        var first = await cli.RunAsync("run", cli.WriteWorkflow(Workflow));
        Assert.True(first.ExitCode == 0, first.ToString());
        var store = Path.Combine(cli.Workspace, "baton.db");
        ZeroRootPageOf(store, "state_history");
        var damaged = SHA256.HashData(await File.ReadAllBytesAsync(store, TestContext.Current.CancellationToken));

        var check = await cli.RunAsync("store", "check");

        Assert.True(check.ExitCode == 3, check.ToString());
        Assert.StartsWith($"store '{store}': damaged\n", check.Output, StringComparison.Ordinal);
        Assert.Contains($"recovered what SQLite could read into '{store}.recovered':\n", check.Output, StringComparison.Ordinal);
        Assert.Contains("  tasks: 2 rows\n", check.Output, StringComparison.Ordinal);
        Assert.Contains("  state_history: 0 rows, the rest unreadable (the database file is corrupt)\n", check.Output, StringComparison.Ordinal);
        Assert.Contains($"  mv '{store}' '{store}.damaged' && mv '{store}.recovered' '{store}'\n", check.Output, StringComparison.Ordinal);
        Assert.Equal(damaged, SHA256.HashData(await File.ReadAllBytesAsync(store, TestContext.Current.CancellationToken)));

        // The recovered file is a store Baton opens: after the documented swap, the finished tasks are still done.
        File.Move(store, store + ".damaged");
        File.Move(store + ".recovered", store);
        Assert.Equal(0, (await cli.RunAsync("store", "check")).ExitCode);
        var ls = await cli.RunAsync("ls", "--json");
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Equal(2, ls.Output.Split("\"done\"").Length - 1);
    }

    [Fact]
    public async Task Store_check_keeps_the_rows_whose_parent_rows_were_on_a_lost_page()
    {
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("run", cli.WriteWorkflow(Workflow))).ExitCode);
        var store = Path.Combine(cli.Workspace, "baton.db");
        // The runs are lost; the attempts that point at them are readable and must not be dropped with them.
        ZeroRootPageOf(store, "runs");

        var check = await cli.RunAsync("store", "check");

        Assert.True(check.ExitCode == 3, check.ToString());
        Assert.Contains("  runs: 0 rows, the rest unreadable", check.Output, StringComparison.Ordinal);
        Assert.Contains("  attempts: 2 rows\n", check.Output, StringComparison.Ordinal);
        Assert.Contains("  state_history: ", check.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("FOREIGN KEY", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_check_of_an_intact_store_says_ok()
    {
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("run", cli.WriteWorkflow(Workflow))).ExitCode);
        var check = await cli.RunAsync("store", "check");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal($"store '{Path.Combine(cli.Workspace, "baton.db")}': ok\n", check.Output);
    }

    /// <summary>Overwrites a table's root page with zeros, as a failing disk would.</summary>
    private static void ZeroRootPageOf(string store, string table)
    {
        long page, size;
        using (var connection = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            command.ExecuteNonQuery();
            command.CommandText = "PRAGMA page_size";
            size = (long)command.ExecuteScalar()!;
            command.CommandText = $"SELECT rootpage FROM sqlite_master WHERE name = '{table}'";
            page = (long)command.ExecuteScalar()!;
        }
        using var file = new FileStream(store, FileMode.Open, FileAccess.Write);
        file.Position = (page - 1) * size;
        file.Write(new byte[size]);
    }
}
