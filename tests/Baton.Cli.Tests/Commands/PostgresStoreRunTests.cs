using System.Text.Json;
using Baton.Stores.Postgres.Tests;
using Npgsql;

namespace Baton.Cli.Tests.Commands;

/// <summary>
/// The command line on a PostgreSQL store (settings.yaml's <c>store:</c>), on the real server of
/// scripts/postgres/start: the state lives in the database, not in the workspace, and any workspace that points at
/// the database reads the same state.
/// </summary>
public sealed class PostgresStoreRunTests : IAsyncLifetime
{
    private readonly string _key = "cli-" + Guid.NewGuid().ToString("N");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await PostgresServer.DropAsync(_key);

    [Fact]
    public async Task The_quickstart_on_postgresql_runs_once_and_every_workspace_on_the_database_reads_its_state()
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        using var cli = new CliRunner();
        UseStore(cli, url);
        var workflow = Path.Combine(CliRunner.RepositoryRoot, "examples", "quickstart", "workflow.yaml");

        var first = await cli.RunAsync("run", workflow, "--no-progress");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("13 tasks: 13 ran and are done", first.Output, StringComparison.Ordinal);
        var second = await cli.RunAsync("run", workflow, "--no-progress");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Nothing to run: all 13 tasks of quickstart are already done.", second.Output, StringComparison.Ordinal);

        // The state is in PostgreSQL: no SQLite file in the workspace, and the database holds 13 done tasks.
        Assert.False(File.Exists(Path.Combine(cli.Workspace, "baton.db")));
        await using (var connection = await PostgresServer.OpenAsync(url, Token))
        await using (var count = new NpgsqlCommand("SELECT state, count(*) FROM tasks GROUP BY state", connection))
        await using (var reader = await count.ExecuteReaderAsync(Token))
        {
            Assert.True(await reader.ReadAsync(Token));
            Assert.Equal(("done", 13L), (reader.GetString(0), reader.GetInt64(1)));
            Assert.False(await reader.ReadAsync(Token));
        }

        // Another workspace that points at the same database lists the same tasks and runs, word for word.
        using var other = new CliRunner();
        UseStore(other, url);
        var ls = await cli.RunAsync("ls", "--json");
        var runs = await cli.RunAsync("runs", "--json");
        Assert.True(ls.ExitCode == 0 && runs.ExitCode == 0, ls + "\n" + runs);
        var tasks = JsonDocument.Parse(ls.Output).RootElement.EnumerateArray().ToArray();
        Assert.Equal(13, tasks.Length);
        Assert.All(tasks, t => Assert.Equal("done", t.GetProperty("state").GetString()));
        // The second run ran nothing, but is recorded as a run of its own.
        Assert.Equal([("quickstart", "done"), ("quickstart", "done")], JsonDocument.Parse(runs.Output).RootElement.EnumerateArray()
            .Select(r => (r.GetProperty("workflow").GetString(), r.GetProperty("status").GetString())));
        Assert.Equal(ls.Output, (await other.RunAsync("ls", "--json")).Output);
        Assert.Equal(runs.Output, (await other.RunAsync("runs", "--json")).Output);
    }

    private static void UseStore(CliRunner cli, string url)
    {
        Directory.CreateDirectory(cli.Workspace);
        File.WriteAllText(Path.Combine(cli.Workspace, "settings.yaml"), $"store: {url}\n");
    }
}
