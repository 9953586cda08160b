namespace Baton.Engine.Events;

/// <summary>Bounds of an <see cref="EventHub"/>.</summary>
public sealed record EventHubOptions
{
    /// <summary>
    /// Live events held for one subscriber that has not taken them yet. Past this the hub stops queueing for that
    /// subscriber, which then catches up from the store: a slow reader costs a store read, never a blocked writer.
    /// </summary>
    public int SubscriberCapacity { get; init; } = 10_000;

    /// <summary>Events read from the store per query while a subscriber catches up.</summary>
    public int CatchUpPageSize { get; init; } = 1_000;
}
