namespace Baton.Engine.Tests.Scheduling;

/// <summary>A clock that moves only when told: scheduling decisions that depend on waiting time become deterministic.</summary>
internal sealed class VirtualClock : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TimeSpan Now { get; private set; }

    public void AdvanceTo(TimeSpan time)
    {
        if (time < Now)
        {
            throw new InvalidOperationException("the virtual clock only moves forward");
        }
        Now = time;
    }

    public override DateTimeOffset GetUtcNow() => Epoch + Now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Now.Ticks;
}
