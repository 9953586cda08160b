using Baton.Core.Resources;

namespace Baton.Engine.Scheduling;

/// <summary>
/// The cores and memory of this machine that Baton may hand out. Every running attempt holds its request until it
/// ends; the pool never hands out more than its capacity.
/// </summary>
public sealed class ResourcePool(ResourceCapacity capacity)
{
    public ResourceCapacity Capacity { get; } = capacity;

    public int FreeCpus { get; private set; } = capacity.Cpus;

    public long FreeMemoryBytes { get; private set; } = capacity.MemoryBytes;

    public bool Fits(ResourceRequest request) =>
        request.Cpus <= FreeCpus && request.MemoryBytes <= FreeMemoryBytes;

    public void Take(ResourceRequest request)
    {
        if (!Fits(request))
        {
            throw new InvalidOperationException($"cannot take {request}: only {FreeCpus} cpus and {FreeMemoryBytes} bytes free");
        }
        FreeCpus -= request.Cpus;
        FreeMemoryBytes -= request.MemoryBytes;
    }

    /// <summary>
    /// Counts an attempt that already runs (re-attached after a restart), even past the capacity: it holds what it
    /// holds, and nothing new starts until enough is free.
    /// </summary>
    public void Occupy(ResourceRequest request)
    {
        FreeCpus -= request.Cpus;
        FreeMemoryBytes -= request.MemoryBytes;
    }

    public void Release(ResourceRequest request)
    {
        FreeCpus += request.Cpus;
        FreeMemoryBytes += request.MemoryBytes;
        if (FreeCpus > Capacity.Cpus || FreeMemoryBytes > Capacity.MemoryBytes)
        {
            throw new InvalidOperationException("released more resources than were taken");
        }
    }
}
