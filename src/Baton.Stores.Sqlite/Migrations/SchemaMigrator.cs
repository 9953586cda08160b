using System.Globalization;
using Baton.Core.Errors;
using Baton.Stores.Sqlite.Connections;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Baton.Stores.Sqlite.Migrations;

/// <summary>
/// Brings a store's schema to the version this code knows. The version lives in SQLite's header
/// (<c>PRAGMA user_version</c>); Baton's mark (<c>PRAGMA application_id</c>) tells a Baton store from another
/// SQLite file. Each migration runs in its own transaction, so a crash leaves the store at a known version.
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>"Batn" in ASCII.</summary>
    public const int ApplicationId = 0x4261746E;

    /// <summary>Every migration, in order; versions are 1, 2, 3... without gaps.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations { get; } =
    [
        V001_Initial.Migration,
        V002_AttemptResources.Migration,
        V003_TaskClaims.Migration,
        V004_Events.Migration,
        V005_WorkflowVersions.Migration,
        V006_Tokens.Migration,
        V007_Webhooks.Migration,
    ];

    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies the missing migrations; returns the version the store is at.</summary>
    public static int Migrate(SqliteConnection connection, string path, ILogger logger, CancellationToken cancellationToken)
    {
        var version = ReadVersion(connection, null);
        CheckCanMigrate(connection, null, path, version);
        foreach (var migration in Migrations)
        {
            if (migration.Version <= version)
            {
                continue;
            }
            cancellationToken.ThrowIfCancellationRequested();
            // IMMEDIATE (the driver's default): two processes opening a new store at once take turns here.
            using var transaction = connection.BeginTransaction();
            version = ReadVersion(connection, transaction);
            if (migration.Version <= version)
            {
                continue;
            }
            CheckCanMigrate(connection, transaction, path, version);
            try
            {
                Execute(connection, transaction, migration.Sql);
            }
            catch (SqliteException exception) when (!StoreErrors.IsBusy(exception))
            {
                throw new BatonInputException(
                    $"cannot bring the store '{path}' to schema version {migration.Version} ({migration.Name}): {exception.Message}",
                    exception);
            }
            Execute(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {migration.Version}"));
            Execute(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA application_id = {ApplicationId}"));
            transaction.Commit();
            version = migration.Version;
            StoreLog.MigrationApplied(logger, path, migration.Version, migration.Name);
        }
        return version;
    }

    private static void CheckCanMigrate(SqliteConnection connection, SqliteTransaction? transaction, string path, int version)
    {
        if (version > LatestVersion)
        {
            throw new BatonInputException($"{path} schema version {version} is newer than this Baton ({LatestVersion}); upgrade Baton");
        }
        var applicationId = Convert.ToInt32(Scalar(connection, transaction, "PRAGMA application_id"), CultureInfo.InvariantCulture);
        if (version > 0 && applicationId != ApplicationId)
        {
            throw StoreErrors.CannotOpen(path, "the file is a SQLite database of another program, not a Baton store");
        }
        if (version == 0)
        {
            var tables = Convert.ToInt64(
                Scalar(connection, transaction, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite%'"),
                CultureInfo.InvariantCulture);
            if (tables > 0)
            {
                throw StoreErrors.CannotOpen(path, "the file is a SQLite database of another program, not a Baton store");
            }
        }
    }

    public static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction) =>
        Convert.ToInt32(Scalar(connection, transaction, "PRAGMA user_version"), CultureInfo.InvariantCulture);

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
