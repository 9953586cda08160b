using Baton.Experiments.Execution;

namespace Baton.Experiments.Tests.Execution;

public sealed class TaskContextTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static TaskContext Context(string? deadline, DateTimeOffset now) =>
        new("/ws/tasks/t/x", "/ws", 1, new Dictionary<string, string>(), TaskContext.ReadDeadline(deadline), new FixedTime(now));

    [Fact]
    public void Remaining_time_counts_down_to_the_deadline_and_never_goes_below_zero()
    {
        var deadline = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        Assert.Equal(TimeSpan.FromSeconds(90), Context("1800000000", deadline.AddSeconds(-90)).RemainingTime());
        Assert.Equal(TimeSpan.Zero, Context("1800000000", deadline.AddSeconds(5)).RemainingTime());
        Assert.Equal(deadline, Context("1800000000", deadline).Deadline);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    public void Without_a_deadline_there_is_no_remaining_time(string? deadline) =>
        Assert.Null(Context(deadline, DateTimeOffset.UnixEpoch).RemainingTime());
}
