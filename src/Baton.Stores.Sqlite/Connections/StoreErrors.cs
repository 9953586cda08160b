using Baton.Core.Errors;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Baton.Stores.Sqlite.Connections;

/// <summary>Turns SQLite's errors about the database file into one-line messages that name the file.</summary>
internal static class StoreErrors
{
    public static bool IsBusy(SqliteException exception) =>
        exception.SqliteErrorCode is raw.SQLITE_BUSY or raw.SQLITE_LOCKED;

    public static bool IsConstraint(SqliteException exception) =>
        exception.SqliteErrorCode == raw.SQLITE_CONSTRAINT;

    /// <summary>The disk under the store is full, or it cannot be written any more: nothing the store can fix.</summary>
    public static bool IsUnwritable(SqliteException exception) =>
        exception.SqliteErrorCode is raw.SQLITE_FULL or raw.SQLITE_IOERR or raw.SQLITE_READONLY;

    public static BatonInputException Unwritable(string path, SqliteException inner) =>
        new($"the store '{path}' cannot be written: {Describe(inner)}; what was committed before is intact: make room and run again, the run resumes where it stopped", inner);

    /// <summary>SQLite found the file's content inconsistent: a page overwritten or lost, not a busy or full disk.</summary>
    public static bool IsDamaged(SqliteException exception) =>
        exception.SqliteErrorCode == raw.SQLITE_CORRUPT;

    public static StoreDamagedException Damaged(string path, SqliteException inner) =>
        new($"the store '{path}' is damaged ({inner.Message.Replace("SQLite Error 11: ", "", StringComparison.Ordinal).Trim('\'', '.')}): run 'baton store check' to check it and recover what can be read into a new file (the damaged file is kept)", inner);

    public static BatonInputException Locked(string path, Exception inner) =>
        new($"the store '{path}' is locked by another process", inner);

    public static BatonInputException CannotOpen(string path, string why, Exception? inner = null) =>
        inner is null
            ? new BatonInputException($"cannot open the store '{path}': {why}")
            : new BatonInputException($"cannot open the store '{path}': {why}", inner);

    /// <summary>Why a file could not be opened as a store, in words a user can act on.</summary>
    public static string Describe(SqliteException exception) => exception.SqliteErrorCode switch
    {
        raw.SQLITE_CANTOPEN => "the file cannot be created or opened (is its directory writable?)",
        raw.SQLITE_NOTADB => "the file is not a SQLite database (if it was a store, its first page is damaged: see 'baton store check')",
        raw.SQLITE_CORRUPT => "the database file is corrupt",
        raw.SQLITE_READONLY => "the file or its directory is read-only",
        raw.SQLITE_PERM => "permission denied",
        raw.SQLITE_FULL => "the disk is full",
        raw.SQLITE_IOERR => "an I/O error occurred",
        _ => exception.Message,
    };
}
