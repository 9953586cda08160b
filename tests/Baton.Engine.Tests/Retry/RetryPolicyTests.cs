using Baton.Core.Lifecycle;
using Baton.Engine.Retry;

namespace Baton.Engine.Tests.Retry;

public sealed class RetryPolicyTests
{
    [Theory]
    [InlineData(AttemptOutcome.Failed, FailureReason.ExitCode)]
    [InlineData(AttemptOutcome.TimedOut, FailureReason.Timeout)]
    [InlineData(AttemptOutcome.OutOfMemory, FailureReason.OutOfMemory)]
    [InlineData(AttemptOutcome.Lost, FailureReason.Lost)]
    [InlineData(AttemptOutcome.Preempted, FailureReason.Lost)]
    [InlineData(AttemptOutcome.ExecutorFailed, FailureReason.ExecutorError)]
    public void A_failed_attempt_is_retried_while_attempts_remain_then_fails_with_its_reason(AttemptOutcome outcome, FailureReason reason)
    {
        Assert.Equal(new RetryDecision(TaskState.Ready, FailureReason.None), RetryPolicy.Decide(outcome, 1, 3));
        Assert.Equal(new RetryDecision(TaskState.Ready, FailureReason.None), RetryPolicy.Decide(outcome, 2, 3));
        Assert.Equal(new RetryDecision(TaskState.Failed, reason), RetryPolicy.Decide(outcome, 3, 3));
    }

    [Theory]
    [InlineData(AttemptOutcome.Preempted)]
    [InlineData(AttemptOutcome.Lost)]
    public void An_infrastructure_failure_is_retried_for_free_up_to_its_own_cap(AttemptOutcome outcome)
    {
        Assert.True(RetryPolicy.IsInfrastructureFailure(outcome));
        Assert.True(RetryPolicy.RetriesFree(outcome, 0));
        Assert.True(RetryPolicy.RetriesFree(outcome, RetryPolicy.FreeInfrastructureRetries - 1));
        Assert.False(RetryPolicy.RetriesFree(outcome, RetryPolicy.FreeInfrastructureRetries));
    }

    [Theory]
    [InlineData(AttemptOutcome.Failed)]
    [InlineData(AttemptOutcome.TimedOut)]
    [InlineData(AttemptOutcome.OutOfMemory)]
    [InlineData(AttemptOutcome.ExecutorFailed)]
    [InlineData(AttemptOutcome.Killed)]
    [InlineData(AttemptOutcome.Succeeded)]
    public void What_the_task_itself_did_is_never_retried_for_free(AttemptOutcome outcome)
    {
        Assert.False(RetryPolicy.IsInfrastructureFailure(outcome));
        Assert.False(RetryPolicy.RetriesFree(outcome, 0));
    }

    [Fact]
    public void Success_is_done_and_a_kill_is_killed_whatever_the_attempts()
    {
        Assert.Equal(TaskState.Done, RetryPolicy.Decide(AttemptOutcome.Succeeded, 3, 3).Next);
        Assert.Equal(TaskState.Killed, RetryPolicy.Decide(AttemptOutcome.Killed, 1, 3).Next);
    }
}
