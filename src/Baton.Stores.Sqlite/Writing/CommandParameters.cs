using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>Helpers for commands that are prepared once and executed many times with new parameter values.</summary>
internal static class CommandParameters
{
    public static SqliteCommand Prepared(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Prepare();
        return command;
    }

    public static SqliteParameter Add(this SqliteCommand command, string name, SqliteType type) =>
        command.Parameters.Add(name, type);

    /// <summary>The value to bind: <see cref="DBNull"/> for null.</summary>
    public static object OrNull(this object? value) => value ?? DBNull.Value;
}
