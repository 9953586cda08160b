using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Connections;

/// <summary>What <see cref="StoreCheck.Run"/> found, and what it recovered when the file was damaged.</summary>
/// <param name="Problems">SQLite's integrity_check lines (at most 20); empty when the file is intact.</param>
/// <param name="RecoveredFile">The new file holding what could be read; null when intact or when nothing could be read.</param>
public sealed record StoreCheckResult(IReadOnlyList<string> Problems, string? RecoveredFile, IReadOnlyList<TableRecovery> Tables)
{
    public bool Intact => Problems.Count == 0;
}

/// <summary>One table copied into the recovered file: how many rows, and whether it was read to its end.</summary>
public sealed record TableRecovery(string Table, long Rows, string? Problem)
{
    public bool Complete => Problem is null;
}

/// <summary>
/// <c>baton store check</c>: runs SQLite's integrity check on a store and, when the file is damaged, copies what
/// SQLite can still read into a new file beside it (schema first, then each table row by row until its first
/// unreadable page, then indexes), never touching the damaged file.
/// </summary>
public static class StoreCheck
{
    private const int MaxProblems = 20;

    public static StoreCheckResult Run(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw StoreErrors.CannotOpen(path, "the file does not exist");
        }
        var problems = IntegrityProblems(path);
        if (problems.Count == 0)
        {
            return new StoreCheckResult([], null, []);
        }
        var target = FreeName(path + ".recovered");
        var tables = Recover(path, target, cancellationToken);
        return new StoreCheckResult(problems, tables.Count > 0 ? target : null, tables);
    }

    private static List<string> IntegrityProblems(string path)
    {
        try
        {
            using var connection = Open(path, SqliteOpenMode.ReadWrite);
            using var command = connection.CreateCommand();
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA integrity_check({MaxProblems})");
            using var reader = command.ExecuteReader();
            var lines = new List<string>();
            while (reader.Read())
            {
                lines.Add(reader.GetString(0));
            }
            return lines is ["ok"] ? [] : lines;
        }
        catch (SqliteException exception)
        {
            return [StoreErrors.Describe(exception)];
        }
    }

    private static List<TableRecovery> Recover(string path, string target, CancellationToken cancellationToken)
    {
        using var source = Open(path, SqliteOpenMode.ReadOnly);
        List<(string Type, string Name, string Sql)> schema;
        try
        {
            schema = ReadSchema(source);
        }
        catch (SqliteException exception)
        {
            // Without the schema (page 1) nothing can be read: no file is made.
            return [new TableRecovery("sqlite_master", 0, StoreErrors.Describe(exception))];
        }
        using var destination = Open(target, SqliteOpenMode.ReadWriteCreate);
        Execute(destination, "PRAGMA journal_mode = WAL");
        // A row whose parent row was on a lost page is still worth keeping (an attempt whose run is gone).
        Execute(destination, "PRAGMA foreign_keys = OFF");
        foreach (var pragma in (string[])["user_version", "application_id"])
        {
            if (TryScalar(source, $"PRAGMA {pragma}") is long value)
            {
                Execute(destination, string.Create(CultureInfo.InvariantCulture, $"PRAGMA {pragma} = {value}"));
            }
        }
        foreach (var (_, _, sql) in schema.Where(s => s.Type == "table"))
        {
            Execute(destination, sql);
        }
        var tables = new List<TableRecovery>();
        foreach (var (_, name, _) in schema.Where(s => s.Type == "table"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            tables.Add(CopyTable(source, destination, name));
        }
        foreach (var (type, name, sql) in schema.Where(s => s.Type != "table"))
        {
            try
            {
                Execute(destination, sql);
            }
            catch (SqliteException exception)
            {
                tables.Add(new TableRecovery($"{type} {name}", 0, exception.Message));
            }
        }
        return tables;
    }

    private static List<(string, string, string)> ReadSchema(SqliteConnection source)
    {
        using var command = source.CreateCommand();
        command.CommandText = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid";
        using var reader = command.ExecuteReader();
        var schema = new List<(string, string, string)>();
        while (reader.Read())
        {
            schema.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        return schema;
    }

    // Row by row, in one transaction: everything before the first unreadable page is kept.
    private static TableRecovery CopyTable(SqliteConnection source, SqliteConnection destination, string table)
    {
        var quoted = "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        using var transaction = destination.BeginTransaction();
        long rows = 0;
        long skipped = 0;
        string? problem = null;
        try
        {
            using var select = source.CreateCommand();
            select.CommandText = $"SELECT * FROM {quoted}";
            using var reader = select.ExecuteReader();
            using var insert = destination.CreateCommand();
            insert.Transaction = transaction;
            var parameters = Enumerable.Range(0, reader.FieldCount).Select(i => insert.CreateParameter()).ToArray();
            insert.CommandText = $"INSERT OR IGNORE INTO {quoted} VALUES ({string.Join(", ", parameters.Select((p, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)))})";
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].ParameterName = "$p" + i.ToString(CultureInfo.InvariantCulture);
                insert.Parameters.Add(parameters[i]);
            }
            while (reader.Read())
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = reader.GetValue(i);
                }
                try
                {
                    insert.ExecuteNonQuery();
                    rows++;
                }
                catch (SqliteException exception) when (exception.SqliteErrorCode == 19)
                {
                    // A row the new file refuses (a constraint): skipped; the rows after it are still read.
                    skipped++;
                }
            }
        }
        catch (SqliteException exception)
        {
            problem = StoreErrors.Describe(exception);
        }
        transaction.Commit();
        if (skipped > 0)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"{skipped} rows refused by a constraint") + (problem is null ? "" : $"; {problem}");
        }
        return new TableRecovery(table, rows, problem);
    }

    private static string FreeName(string path)
    {
        var candidate = path;
        for (var n = 2; File.Exists(candidate); n++)
        {
            candidate = path + "-" + n.ToString(CultureInfo.InvariantCulture);
        }
        return candidate;
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? TryScalar(SqliteConnection connection, string sql)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteScalar();
        }
        catch (SqliteException)
        {
            return null;
        }
    }
}
