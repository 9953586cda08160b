namespace Baton.Stores.Sqlite;

/// <summary>Tuning of a <see cref="SqliteStore"/>; the defaults suit a workspace on a local disk.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>
    /// How long a write waits for another process that holds the database's write lock before giving up with
    /// "the store is locked by another process". Whole seconds are what the driver's own retry honours; less than
    /// a second still waits about a second.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Page cache of the write connection; large registrations touch many index pages at once.</summary>
    public int WriteCacheMebibytes { get; init; } = 64;
}
