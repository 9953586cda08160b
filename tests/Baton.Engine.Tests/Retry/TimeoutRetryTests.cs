using Baton.Core.Commands;
using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Identity;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Engine.Retry;

namespace Baton.Engine.Tests.Retry;

public sealed class TimeoutRetryTests
{
    private static TaskSpec Spec(int timeoutRetries, int? timeoutExitCode = null)
    {
        var template = new TemplateSpec { Name = "t", Command = CommandTemplate.Parse("/bin/true"), Resources = ResourceRequest.Default };
        return new TaskSpec
        {
            Name = "t",
            Template = template,
            Identity = new TaskIdentity(new string('a', 64)),
            Command = new TaskCommand(template.Command, new Dictionary<string, string>()),
            Resources = ResourceRequest.Default,
            MaxAttempts = 1,
            Priority = 0,
            TimeoutRetries = timeoutRetries,
            TimeoutExitCode = timeoutExitCode,
        };
    }

    private static AttemptResult Exited(int code) =>
        new(code == 0 ? AttemptOutcome.Succeeded : AttemptOutcome.Failed, code, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public void The_graceful_timeout_exit_code_is_a_timeout_and_other_codes_are_not()
    {
        var spec = Spec(3, timeoutExitCode: 75);

        Assert.Equal(AttemptOutcome.TimedOut, TimeoutRetry.Interpret(spec, Exited(75)).Outcome);
        Assert.Equal(AttemptOutcome.Failed, TimeoutRetry.Interpret(spec, Exited(1)).Outcome);
        Assert.Equal(AttemptOutcome.Failed, TimeoutRetry.Interpret(Spec(3), Exited(75)).Outcome);
    }

    [Fact]
    public void A_timeout_is_retried_up_to_the_retries_and_nothing_else_is()
    {
        var spec = Spec(2);

        Assert.True(TimeoutRetry.Retries(spec, AttemptOutcome.TimedOut, 1));
        Assert.True(TimeoutRetry.Retries(spec, AttemptOutcome.TimedOut, 2));
        Assert.False(TimeoutRetry.Retries(spec, AttemptOutcome.TimedOut, 3));
        Assert.False(TimeoutRetry.Retries(spec, AttemptOutcome.Failed, 1));
        Assert.False(TimeoutRetry.Retries(Spec(0), AttemptOutcome.TimedOut, 1));
    }
}
