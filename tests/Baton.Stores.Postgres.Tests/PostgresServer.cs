using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Baton.Stores.Postgres.Tests;

/// <summary>
/// The real PostgreSQL the tests run against: scripts/postgres/start starts a throw-away cluster and writes its
/// URL to a file (scripts/test exports it as BATON_TEST_POSTGRES). When none answers, a test fails under
/// <c>CI=true</c> and is skipped with the reason otherwise. Each test gets a database of its own.
/// </summary>
internal static class PostgresServer
{
    public const string EnvironmentVariable = "BATON_TEST_POSTGRES";

    private static readonly Lazy<Task<(string? Url, string? Problem)>> Server = new(ProbeAsync);

    /// <summary>The server's URL (its maintenance database); call first in every test that needs the server.</summary>
    public static async Task<string> RequireAsync()
    {
        var (url, problem) = await Server.Value;
        if (url is not null)
        {
            return url;
        }
        var message = "no PostgreSQL for the tests (" + problem + "); start one with scripts/postgres/start";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }
        Assert.Skip(message);
        return "";
    }

    /// <summary>
    /// The URL of a database named after <paramref name="key"/>, created when missing: the same key gives the same
    /// database (a store closed and opened again finds its data).
    /// </summary>
    public static async Task<string> DatabaseAsync(string key, CancellationToken cancellationToken)
    {
        var url = await RequireAsync();
        var name = DatabaseName(key);
        await using var connection = await OpenAdminAsync(url, cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = name } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return WithDatabase(url, name);
    }

    /// <summary>
    /// Drops the database of <paramref name="key"/>, closing any connection left to it. Cleanup only: when the
    /// server will not drop it now (a session it may not end), it is left to the throw-away cluster.
    /// </summary>
    public static async Task DropAsync(string key)
    {
        var url = await RequireAsync();
        await using var connection = await OpenAdminAsync(url, CancellationToken.None);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DatabaseName(key)} WITH (FORCE)", connection);
        try
        {
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (PostgresException e) when (e.SqlState is "42501" or "55006")
        {
            // Insufficient privilege to end another role's session, or the database is in use: keep it.
        }
    }

    /// <summary>A connection to the maintenance database, for setting up what a test needs.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(string url, CancellationToken cancellationToken) =>
        await OpenAdminAsync(url, cancellationToken);

    /// <summary>The URL with its database replaced.</summary>
    public static string WithDatabase(string url, string database)
    {
        var authorityStart = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var pathStart = url.IndexOfAny(['/', '?'], authorityStart);
        if (pathStart < 0)
        {
            return url + "/" + database;
        }
        var queryStart = url.IndexOf('?', pathStart);
        return url[..pathStart] + "/" + database + (queryStart >= 0 ? url[queryStart..] : "");
    }

    private static string DatabaseName(string key) =>
        "baton_test_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..20];

    private static async Task<NpgsqlConnection> OpenAdminAsync(string url, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(PostgresLocation.Parse(url).Builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<(string? Url, string? Problem)> ProbeAsync()
    {
        var url = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            var file = Path.Combine(Environment.GetEnvironmentVariable("BATON_POSTGRES_DIR") ?? Path.Combine(Path.GetTempPath(), "baton-postgres"), "connection");
            if (!File.Exists(file))
            {
                return (null, $"{EnvironmentVariable} is not set and {file} does not exist");
            }
            url = (await File.ReadAllTextAsync(file)).Trim();
        }
        try
        {
            await using var connection = await OpenAdminAsync(url, CancellationToken.None);
            return (url, null);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return (null, $"{PostgresLocation.Redact(url)}: {e.Message}");
        }
    }
}
