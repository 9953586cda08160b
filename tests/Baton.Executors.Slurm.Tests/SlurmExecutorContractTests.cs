using Baton.Core.Executors;
using Baton.Testing.Executors;

namespace Baton.Executors.Slurm.Tests;

/// <summary>The executor contract against the real SLURM cluster: every attempt is a SLURM job.</summary>
public sealed class SlurmExecutorContractTests : ExecutorContractTests
{
    private readonly string _jobName = SlurmTestOptions.UniqueJobName("contract");

    public SlurmExecutorContractTests() => SlurmCluster.Require();

    // Two cores: 200 one-core jobs run two at a time; 40 keeps the suite quick (the array test runs 200).
    protected override int ManyAttempts => 40;

    // The test cluster has accounting (slurmdbd): usage comes from sacct and the job script's own peak (docs/slurm.md).
    protected override bool ReportsUsage => true;

    // sacct's Elapsed is in whole seconds.
    protected override TimeSpan WallTimeResolution => TimeSpan.FromSeconds(1);

    protected override IExecutor CreateExecutor() =>
        new SlurmExecutor(SlurmTestOptions.Create(_jobName) with { CancelJobsOnDispose = true });
}
