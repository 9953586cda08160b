using System.Text.Json;
using Baton.Core.Stores;
using Baton.Stores.Sqlite.Columns;
using Microsoft.Data.Sqlite;

namespace Baton.Stores.Sqlite.Writing;

/// <summary>Takes, reads and releases task claims: a few statements per call, each call one transaction.</summary>
internal static class ClaimWriter
{
    public static IReadOnlyList<TaskClaim> Claim(
        SqliteConnection connection, ClaimOwner owner, IReadOnlyList<long> taskIds, IReadOnlyCollection<ClaimOwner> deadOwners, DateTimeOffset now)
    {
        var ids = JsonSerializer.Serialize(taskIds.ToArray(), StoreJsonContext.Default.Int64Array);
        using var transaction = connection.BeginTransaction();
        foreach (var dead in deadOwners)
        {
            using var drop = connection.CreateCommand();
            drop.Transaction = transaction;
            drop.CommandText = "DELETE FROM task_claims WHERE run_id = @run AND host = @host AND pid = @pid AND start_time = @start";
            drop.Parameters.AddWithValue("@run", dead.RunId);
            drop.Parameters.AddWithValue("@host", dead.Host);
            drop.Parameters.AddWithValue("@pid", dead.ProcessId);
            drop.Parameters.AddWithValue("@start", dead.StartTime);
            drop.ExecuteNonQuery();
        }
        using (var take = connection.CreateCommand())
        {
            take.Transaction = transaction;
            take.CommandText = """
                INSERT OR IGNORE INTO task_claims (task_id, run_id, host, pid, start_time, claimed_at)
                SELECT value, @run, @host, @pid, @start, @at FROM json_each(@ids)
                """;
            take.Parameters.AddWithValue("@ids", ids);
            take.Parameters.AddWithValue("@run", owner.RunId);
            take.Parameters.AddWithValue("@host", owner.Host);
            take.Parameters.AddWithValue("@pid", owner.ProcessId);
            take.Parameters.AddWithValue("@start", owner.StartTime);
            take.Parameters.AddWithValue("@at", StoreTime.ToText(now));
            take.ExecuteNonQuery();
        }
        var claims = new List<TaskClaim>(taskIds.Count);
        using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = """
                SELECT c.task_id, c.run_id, c.host, c.pid, c.start_time, t.state, t.attempt_count,
                       coalesce((SELECT max(a.number) FROM attempts a WHERE a.task_id = t.id), 0)
                FROM json_each(@ids) j
                JOIN task_claims c ON c.task_id = j.value
                JOIN tasks t ON t.id = c.task_id
                """;
            read.Parameters.AddWithValue("@ids", ids);
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                claims.Add(new TaskClaim(
                    reader.GetInt64(0),
                    new ClaimOwner(reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4)),
                    StoreWords.State(reader.GetString(5)),
                    reader.GetInt32(6),
                    reader.GetInt32(7)));
            }
        }
        transaction.Commit();
        return claims;
    }

    public static void Release(SqliteConnection connection, long runId)
    {
        using var release = connection.CreateCommand();
        release.CommandText = "DELETE FROM task_claims WHERE run_id = @run";
        release.Parameters.AddWithValue("@run", runId);
        release.ExecuteNonQuery();
    }
}
