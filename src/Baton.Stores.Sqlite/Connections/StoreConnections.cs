using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Connections;

/// <summary>Opens the store's connections with the settings every connection needs.</summary>
internal static class StoreConnections
{
    /// <summary>The one long-lived connection that all writes go through; throws <c>BatonInputException</c> when the file cannot be used.</summary>
    public static SqliteConnection OpenWriter(string path, SqliteStoreOptions options)
    {
        CheckDirectory(path);
        var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadWriteCreate, options));
        try
        {
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {BusyMilliseconds(options)}"));
            // WAL: readers (baton list, a dashboard) never block the writer and the writer never blocks them.
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw StoreErrors.CannotOpen(path, $"it cannot use write-ahead logging (journal mode is '{mode}'); is it on a network file system?");
            }
            // NORMAL in WAL mode: a commit is in the WAL (the OS's cache) before it returns, so it survives the
            // process being killed; only a power loss or OS crash may drop the last commits, never corrupt the
            // file. FULL would add an fsync per commit, which group commit makes rare but not free.
            Execute(connection, "PRAGMA synchronous = NORMAL");
            Execute(connection, "PRAGMA foreign_keys = ON");
            Execute(connection, "PRAGMA temp_store = MEMORY");
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA cache_size = -{options.WriteCacheMebibytes * 1024}"));
            return connection;
        }
        catch (SqliteException exception) when (StoreErrors.IsBusy(exception))
        {
            connection.Dispose();
            throw StoreErrors.Locked(path, exception);
        }
        catch (SqliteException exception) when (StoreErrors.IsDamaged(exception))
        {
            connection.Dispose();
            throw StoreErrors.Damaged(path, exception);
        }
        catch (SqliteException exception)
        {
            connection.Dispose();
            throw StoreErrors.CannotOpen(path, StoreErrors.Describe(exception), exception);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A connection for one read; in WAL mode it sees the last commit and does not wait for the writer.</summary>
    public static SqliteConnection OpenReader(string path, SqliteStoreOptions options)
    {
        var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadWrite, options));
        try
        {
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {BusyMilliseconds(options)}"));
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void CheckDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            throw StoreErrors.CannotOpen(path, "it is a directory");
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw StoreErrors.CannotOpen(path, File.Exists(directory)
                ? $"'{directory}' is a file, not a directory"
                : $"directory '{directory}' does not exist");
        }
    }

    private static string ConnectionString(string path, SqliteOpenMode mode, SqliteStoreOptions options) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            // No pooling: closing the store closes its files, so a workspace can be moved or deleted at once.
            Pooling = false,
            // The driver retries a busy database for this many seconds on top of SQLite's own busy timeout.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();

    private static int BusyMilliseconds(SqliteStoreOptions options) =>
        (int)Math.Clamp(options.BusyTimeout.TotalMilliseconds, 0, int.MaxValue);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
