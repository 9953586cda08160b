using Baton.Core.Stores;

namespace Baton.Executors.Local;

/// <summary>
/// Claim owners as processes of this machine: this process is its pid and start time; an owner on this host is
/// alive while a process with its pid and the same start time runs (a reused pid is not it). An owner on another
/// host cannot be checked from here and counts as alive.
/// </summary>
public sealed class LocalClaimOwnerProbe : IClaimOwnerProbe
{
    private readonly long _startTime = ProcessIdentity.TryGetStartTime(Environment.ProcessId)
        ?? throw new InvalidOperationException("cannot read this process's start time from /proc");

    public ClaimOwner Current(long runId) => new(runId, Environment.MachineName, Environment.ProcessId, _startTime);

    public bool IsAlive(ClaimOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return owner.Host != Environment.MachineName || new ProcessIdentity(owner.ProcessId, owner.StartTime).IsAlive();
    }
}
