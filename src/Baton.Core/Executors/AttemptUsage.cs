namespace Baton.Core.Executors;

/// <summary>
/// What one attempt used, from the executor's accounting of the finished process tree (for <c>local</c>: the
/// kernel's, for <c>slurm</c>: the job accounting): wall time, user and system CPU time of the whole tree, and the
/// peak resident memory (bytes) of the tree.
/// </summary>
public sealed record AttemptUsage(TimeSpan Wall, TimeSpan UserCpu, TimeSpan SystemCpu, long PeakRssBytes)
{
    /// <summary>User plus system CPU time.</summary>
    public TimeSpan Cpu => UserCpu + SystemCpu;
}
