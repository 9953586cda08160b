using Baton.Core.Errors;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Baton.Stores.Postgres.Migrations;

/// <summary>
/// Brings a database's schema to the version this code knows. Versions are rows of <c>schema_migrations</c>; each
/// migration runs in its own transaction (PostgreSQL's DDL is transactional), so a crash leaves a known version.
/// Nodes that open a new database at once take turns on an advisory lock.
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>"Batn" in ASCII: the advisory lock migrations hold.</summary>
    private const long LockKey = 0x4261746E;

    /// <summary>Every migration, in order; versions are 1, 2, 3... without gaps.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations { get; } =
    [
        V001_Initial.Migration,
        V002_Events.Migration,
        V003_Tokens.Migration,
        V004_WorkflowVersions.Migration,
        V005_Webhooks.Migration,
    ];

    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies the missing migrations; returns the version the database is at.</summary>
    public static async Task<int> MigrateAsync(NpgsqlConnection connection, string location, ILogger logger, CancellationToken cancellationToken)
    {
        // Fast path, no lock: a database at the current version (every open but the first).
        var version = await ReadVersionAsync(connection, null, location, cancellationToken);
        if (version == LatestVersion)
        {
            return version;
        }
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({LockKey})", cancellationToken);
        try
        {
            foreach (var migration in Migrations)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                version = await ReadVersionAsync(connection, transaction, location, cancellationToken);
                if (migration.Version <= version)
                {
                    continue;
                }
                try
                {
                    await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                }
                catch (PostgresException exception)
                {
                    throw new BatonInputException(
                        $"cannot bring the store '{location}' to schema version {migration.Version} ({migration.Name}): {exception.MessageText}",
                        exception);
                }
                await using (var mark = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", connection, transaction))
                {
                    mark.Parameters.Add(new NpgsqlParameter { Value = migration.Version });
                    mark.Parameters.Add(new NpgsqlParameter { Value = migration.Name });
                    await mark.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                version = migration.Version;
                StoreLog.MigrationApplied(logger, location, migration.Version, migration.Name);
            }
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
        return version;
    }

    /// <summary>The schema version; 0 for an empty database; an error for a newer version or another program's tables.</summary>
    public static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string location, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT to_regclass('schema_migrations') IS NOT NULL,
                   (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema())
            """, connection, transaction);
        bool hasVersions;
        long tables;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            hasVersions = reader.GetBoolean(0);
            tables = reader.GetInt64(1);
        }
        if (!hasVersions)
        {
            return tables == 0
                ? 0
                : throw new BatonInputException(
                    $"cannot open the store '{location}': the database holds tables of another program, not a Baton store (use an empty database)");
        }
        await using var max = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_migrations", connection, transaction);
        var version = Convert.ToInt32(await max.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (version > LatestVersion)
        {
            throw new BatonInputException($"{location} schema version {version} is newer than this Baton ({LatestVersion}); upgrade Baton");
        }
        return version;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
