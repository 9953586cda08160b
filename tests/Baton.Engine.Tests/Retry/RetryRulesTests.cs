using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Retries;
using Baton.Engine.Retry;
using Baton.Core.Executors;

namespace Baton.Engine.Tests.Retry;

public sealed class RetryRulesTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void Memory_grows_by_half_each_retry_as_in_jobmon()
    {
        var rules = RetryRules.Default;
        var first = new ResourceRequest(1, 40 * GiB, null);

        var second = rules.Scale(first, AttemptOutcome.OutOfMemory, 1);
        var third = rules.Scale(second, AttemptOutcome.OutOfMemory, 2);

        Assert.Equal(60 * GiB, second.MemoryBytes);
        Assert.Equal(90 * GiB, third.MemoryBytes);
    }

    [Fact]
    public void A_timeout_raises_the_runtime_other_failures_keep_the_resources()
    {
        var rules = new RetryRules { Runtime = new ResourceScale(1.0, []) };
        var request = new ResourceRequest(2, GiB, TimeSpan.FromMinutes(10));

        Assert.Equal(TimeSpan.FromMinutes(20), rules.Scale(request, AttemptOutcome.TimedOut, 1).Runtime);
        Assert.Equal(request, rules.Scale(request, AttemptOutcome.Failed, 1));
        Assert.Equal(request, rules.Scale(request, AttemptOutcome.Lost, 1));
    }

    [Fact]
    public void An_explicit_list_gives_one_value_per_retry_and_then_keeps_the_last()
    {
        var rules = new RetryRules { Memory = new ResourceScale(0, [2.0 * GiB, 8.0 * GiB]) };
        var request = new ResourceRequest(1, GiB, null);

        Assert.Equal(2 * GiB, rules.Scale(request, AttemptOutcome.OutOfMemory, 1).MemoryBytes);
        Assert.Equal(8 * GiB, rules.Scale(request, AttemptOutcome.OutOfMemory, 2).MemoryBytes);
        Assert.Equal(8 * GiB, rules.Scale(request, AttemptOutcome.OutOfMemory, 5).MemoryBytes);
    }

    [Theory]
    [InlineData(75, true)]
    [InlineData(3, false)]
    public void Retry_only_on_chosen_exit_codes(int code, bool retried)
    {
        var rules = new RetryRules { RetryOnExitCodes = [75] };
        var result = new AttemptResult(AttemptOutcome.Failed, code, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var decision = RetryPolicy.Decide(result, 1, 3, rules);

        Assert.Equal(retried ? TaskState.Ready : TaskState.Failed, decision.Next);
    }

    [Fact]
    public void Never_retry_on_chosen_exit_codes_but_still_retry_out_of_memory()
    {
        var rules = new RetryRules { NoRetryOnExitCodes = [2] };
        var exit2 = new AttemptResult(AttemptOutcome.Failed, 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        var oom = new AttemptResult(AttemptOutcome.OutOfMemory, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        Assert.Equal(new RetryDecision(TaskState.Failed, FailureReason.ExitCode), RetryPolicy.Decide(exit2, 1, 3, rules));
        Assert.Equal(TaskState.Ready, RetryPolicy.Decide(oom, 1, 3, rules).Next);
    }
}
