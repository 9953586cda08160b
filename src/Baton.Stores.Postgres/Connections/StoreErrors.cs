using System.Net.Sockets;
using Baton.Core.Errors;
using Npgsql;

namespace Baton.Stores.Postgres.Connections;

/// <summary>
/// Tells PostgreSQL's errors apart: transient ones (retried, never a user's error), mistakes in the location
/// (one line that names it, without its password), and bugs in the caller.
/// </summary>
internal static class StoreErrors
{
    public const string UniqueViolation = "23505";
    public const string ForeignKeyViolation = "23503";

    /// <summary>
    /// Two transactions collided; running the whole transaction again is always right. Registrations on two nodes
    /// that create the same task at once are such a collision too (the unique identity: the later one sees the task).
    /// </summary>
    public static bool IsConflict(Exception exception) =>
        exception is PostgresException { SqlState: "40001" or "40P01" }
            or PostgresException { SqlState: UniqueViolation, ConstraintName: "tasks_identity_key" };

    /// <summary>The connection was lost or refused (a restart, a failover): trying again later may work.</summary>
    public static bool IsConnectionLoss(Exception exception) => exception switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or IOException or EndOfStreamException,
        _ => false,
    };

    public static bool IsConstraint(PostgresException exception) =>
        exception.SqlState is UniqueViolation or ForeignKeyViolation;

    /// <summary>An error met while opening the store, as one line that names the location (without its password).</summary>
    public static BatonInputException CannotOpen(string location, Exception exception, string? user) =>
        new($"cannot open the store '{location}': {Describe(exception, user)}", exception);

    public static BatonInputException Unreachable(string location, Exception exception) =>
        new($"the store '{location}' cannot be reached: {Describe(exception, null)}; what was committed before is intact: run again, the run resumes where it stopped", exception);

    /// <summary>Why the server could not be used, in words a user can act on.</summary>
    public static string Describe(Exception exception, string? user) => exception switch
    {
        PostgresException { SqlState: "28P01" } => $"the server refused the password of user '{user}' (check PGPASSWORD, PGPASSFILE or ~/.pgpass)",
        PostgresException { SqlState: "28000" } => $"the server does not let user '{user}' connect (pg_hba.conf): {FirstLine(((PostgresException)exception).MessageText)}",
        PostgresException { SqlState: "3D000" } p => $"{FirstLine(p.MessageText)} (create it first: createdb)",
        PostgresException { SqlState: "42501" } p => $"permission denied: {FirstLine(p.MessageText)}",
        PostgresException p => FirstLine(p.MessageText),
        NpgsqlException { InnerException: SocketException s } => $"the server cannot be reached ({s.Message})",
        NpgsqlException { InnerException: TimeoutException } => "the server did not answer in time",
        NpgsqlException n when n.Message.Contains("password", StringComparison.OrdinalIgnoreCase) =>
            $"the server asks for a password for user '{user}' and none was found (set PGPASSWORD, PGPASSFILE or a ~/.pgpass entry)",
        NpgsqlException n => FirstLine(n.InnerException is { } inner and not NpgsqlException ? $"{n.Message} ({inner.Message})" : n.Message),
        SocketException s => $"the server cannot be reached ({s.Message})",
        TimeoutException => "the server did not answer in time",
        _ => FirstLine(exception.Message),
    };

    private static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? text : text[..newline]).Trim();
    }
}
