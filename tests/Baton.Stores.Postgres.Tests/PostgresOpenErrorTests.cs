using Baton.Core.Errors;
using Npgsql;

namespace Baton.Stores.Postgres.Tests;

/// <summary>A store that cannot be used says why in one line that names it, and never shows a password.</summary>
public sealed class PostgresOpenErrorTests : IAsyncLifetime
{
    private readonly string _key = "open-errors-" + Guid.NewGuid().ToString("N");
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await PostgresServer.DropAsync(_key);

    private static async Task<BatonInputException> OpenFailsAsync(string url)
    {
        var error = await Assert.ThrowsAsync<BatonInputException>(async () =>
            await PostgresStore.OpenAsync(PostgresLocation.Parse(url), options: new PostgresStoreOptions(), cancellationToken: Token));
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Fact]
    public async Task A_wrong_password_names_the_user_and_not_the_password()
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        var user = PostgresLocation.Parse(url).Builder.Username;
        var wrong = PostgresServer.WithDatabase(url.Replace($"://{user}@", $"://{user}:not-the-pw-42@", StringComparison.Ordinal), "postgres");

        var error = await OpenFailsAsync(wrong);

        Assert.Contains($"refused the password of user '{user}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-pw-42", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_password_anywhere_says_where_one_is_looked_for()
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        var builder = PostgresLocation.Parse(url).Builder;
        var empty = Path.Combine(Path.GetTempPath(), "baton-empty-pgpass-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(empty, "", Token);
        try
        {
            var error = await OpenFailsAsync($"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/postgres?passfile={empty}");

            Assert.Contains("PGPASSWORD, PGPASSFILE", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public async Task An_unreachable_server_and_a_missing_database_are_named()
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        var builder = PostgresLocation.Parse(url).Builder;

        var unreachable = await OpenFailsAsync($"postgresql://{builder.Username}:pw-77@127.0.0.1:1/baton");
        var missing = await OpenFailsAsync(PostgresServer.WithDatabase(url, "no_such_database_here"));

        Assert.Contains("postgresql://" + builder.Username + ":***@127.0.0.1:1/baton", unreachable.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be reached", unreachable.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-77", unreachable.Message, StringComparison.Ordinal);
        Assert.Contains("\"no_such_database_here\" does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_of_a_newer_schema_is_refused_and_left_as_it_was()
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        await (await PostgresStore.OpenAsync(PostgresLocation.Parse(url), cancellationToken: Token)).DisposeAsync();
        await using (var connection = await PostgresServer.OpenAsync(url, Token))
        {
            await using var newer = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')", connection);
            await newer.ExecuteNonQueryAsync(Token);
        }

        var error = await OpenFailsAsync(url);

        Assert.Contains($"schema version 999 is newer than this Baton ({PostgresStore.SchemaVersion}); upgrade Baton", error.Message, StringComparison.Ordinal);
        await using var check = await PostgresServer.OpenAsync(url, Token);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM schema_migrations", check);
        Assert.Equal(PostgresStore.SchemaVersion + 1L, await count.ExecuteScalarAsync(Token));
    }

    [Fact]
    public async Task A_database_holding_another_programs_tables_is_not_taken_over()
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);
        await using (var connection = await PostgresServer.OpenAsync(url, Token))
        {
            await using var other = new NpgsqlCommand("CREATE TABLE invoices (id int)", connection);
            await other.ExecuteNonQueryAsync(Token);
        }

        var error = await OpenFailsAsync(url);

        Assert.Contains("tables of another program", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_nodes_opening_a_new_database_at_once_both_get_one_schema()
    {
        var url = await PostgresServer.DatabaseAsync(_key, Token);

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            PostgresStore.OpenAsync(PostgresLocation.Parse(url), cancellationToken: Token).AsTask()));

        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
        await using var check = await PostgresServer.OpenAsync(url, Token);
        await using var versions = new NpgsqlCommand("SELECT count(*) FROM schema_migrations", check);
        Assert.Equal((long)PostgresStore.SchemaVersion, await versions.ExecuteScalarAsync(Token));
    }
}
