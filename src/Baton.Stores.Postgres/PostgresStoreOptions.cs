namespace Baton.Stores.Postgres;

/// <summary>Tuning of a <see cref="PostgresStore"/>; the defaults suit a team's server on a local network.</summary>
public sealed record PostgresStoreOptions
{
    /// <summary>
    /// How long a write keeps retrying while the server cannot be reached (restarted, failed over) before the
    /// error reaches the caller. Serialization failures and deadlocks are retried without this limit's wait.
    /// </summary>
    public TimeSpan ReconnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most connections the store opens to the server at once.</summary>
    public int MaxConnections { get; init; } = 10;

    /// <summary>The clock that retry back-off waits on.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
