using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>
/// Versions of a workflow (its name and workflow args): each DAG recorded under them is a row of <c>workflows</c>
/// with a version number, and the one registered last is current. Runs inside the registrar's transaction.
/// </summary>
internal static class WorkflowVersions
{
    /// <summary>The version that is current now for a name and args hash, if any.</summary>
    public static (long Id, int Version)? Current(SqliteConnection connection, SqliteTransaction transaction, string name, string argsHash)
    {
        using var command = Command(connection, transaction,
            "SELECT id, version FROM workflows WHERE name = @name AND args_hash = @args_hash AND is_current = 1");
        command.Parameters.AddWithValue("@name", name);
        command.Parameters.AddWithValue("@args_hash", argsHash);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt32(1)) : null;
    }

    /// <summary>The version number a new DAG under this name and args gets.</summary>
    public static int Next(SqliteConnection connection, SqliteTransaction transaction, string name, string argsHash)
    {
        using var command = Command(connection, transaction,
            "SELECT coalesce(max(version), 0) + 1 FROM workflows WHERE name = @name AND args_hash = @args_hash");
        command.Parameters.AddWithValue("@name", name);
        command.Parameters.AddWithValue("@args_hash", argsHash);
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The version <paramref name="id"/> is no longer current (a new one is about to be).</summary>
    public static void Retire(SqliteConnection connection, SqliteTransaction transaction, long id)
    {
        using var unset = Command(connection, transaction, "UPDATE workflows SET is_current = 0 WHERE id = @id");
        unset.Parameters.AddWithValue("@id", id);
        unset.ExecuteNonQuery();
    }

    /// <summary>Makes <paramref name="id"/> the current version in place of <paramref name="previous"/> (if any).</summary>
    public static void MakeCurrent(SqliteConnection connection, SqliteTransaction transaction, long id, long? previous)
    {
        if (previous is { } old)
        {
            // First the old one: at most one current version per name and args (a unique index).
            Retire(connection, transaction, old);
        }
        using var set = Command(connection, transaction, "UPDATE workflows SET is_current = 1 WHERE id = @id");
        set.Parameters.AddWithValue("@id", id);
        set.ExecuteNonQuery();
    }

    /// <summary>How the tasks of version <paramref name="id"/> differ from those of the previous current version, by identity.</summary>
    public static WorkflowVersionChange Compare(SqliteConnection connection, SqliteTransaction transaction,
        long id, int version, long previousId, int previousVersion)
    {
        using var command = Command(connection, transaction, """
            SELECT
                (SELECT count(DISTINCT task_id) FROM workflow_tasks
                 WHERE workflow_id = @new AND task_id NOT IN (SELECT task_id FROM workflow_tasks WHERE workflow_id = @old)),
                (SELECT count(DISTINCT task_id) FROM workflow_tasks
                 WHERE workflow_id = @old AND task_id NOT IN (SELECT task_id FROM workflow_tasks WHERE workflow_id = @new)),
                (SELECT count(DISTINCT wt.task_id) FROM workflow_tasks wt JOIN tasks t ON t.id = wt.task_id
                 WHERE wt.workflow_id = @new AND t.state = @done
                   AND wt.task_id IN (SELECT task_id FROM workflow_tasks WHERE workflow_id = @old))
            """);
        command.Parameters.AddWithValue("@new", id);
        command.Parameters.AddWithValue("@old", previousId);
        command.Parameters.AddWithValue("@done", TaskState.Done.ToWord());
        using var reader = command.ExecuteReader();
        reader.Read();
        return new WorkflowVersionChange(version, previousVersion, reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
