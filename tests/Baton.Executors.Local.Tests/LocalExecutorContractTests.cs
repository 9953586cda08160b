using Baton.Core.Executors;
using Baton.Testing.Executors;

namespace Baton.Executors.Local.Tests;

/// <summary>The executor contract, with default options (the shared supervisor process).</summary>
public sealed class LocalExecutorContractTests : ExecutorContractTests
{
    protected override IExecutor CreateExecutor() =>
        new LocalExecutor(new LocalExecutorOptions { KillGracePeriod = TimeSpan.FromSeconds(2) });

    /// <summary>This test process: alive, with the attempt's pid but its own (later) start time.</summary>
    protected override AttemptRecord? WithReusedProcessId(AttemptRecord record)
    {
        Assert.True(ProcessIdentity.TryParse(record.ExecutorId, out var attempt), $"executor id '{record.ExecutorId}' is not PID@STARTTIME");
        var self = ProcessIdentity.Of(Environment.ProcessId)!.Value;
        Assert.NotEqual(self.StartTime, attempt.StartTime);
        return record with { ExecutorId = new ProcessIdentity(self.ProcessId, attempt.StartTime).ToString(), ProcessId = self.ProcessId };
    }
}
