using Baton.Core.Gpus;
using Baton.Core.Resources;

namespace Baton.Engine.Scheduling;

/// <summary>
/// The cores, memory and GPUs of this machine that Baton may hand out. Every running attempt holds its request until it
/// ends; the pool never hands out more than its capacity, and never reserves more of a GPU's memory than is free on
/// it: its total, minus what Baton's running attempts reserved, minus what other processes use (read from the
/// <see cref="IGpuMemoryProbe"/> when a GPU request is placed).
/// </summary>
public sealed class ResourcePool
{
    private readonly IGpuMemoryProbe _probe;
    private readonly long[] _reservedMiB;
    private readonly int[] _holders;

    public ResourcePool(ResourceCapacity capacity)
        : this(capacity, GpuInventory.Empty, DeclaredGpuMemory.None)
    {
    }

    public ResourcePool(ResourceCapacity capacity, GpuInventory gpus, IGpuMemoryProbe probe)
    {
        Capacity = capacity;
        FreeCpus = capacity.Cpus;
        FreeMemoryBytes = capacity.MemoryBytes;
        Gpus = gpus;
        _probe = probe;
        _reservedMiB = new long[gpus.Devices.Count];
        _holders = new int[gpus.Devices.Count];
    }

    public ResourceCapacity Capacity { get; }

    public GpuInventory Gpus { get; }

    public int FreeCpus { get; private set; }

    public long FreeMemoryBytes { get; private set; }

    public bool Fits(ResourceRequest request) => Fits(request, null);

    /// <summary>
    /// Whether <paramref name="request"/> fits what is free once <paramref name="reservation"/> (what a waiting task
    /// is promised) is set aside.
    /// </summary>
    public bool Fits(ResourceRequest request, Reservation? reservation) =>
        request.Cpus <= FreeCpus - (reservation?.Cpus ?? 0)
        && request.MemoryBytes <= FreeMemoryBytes - (reservation?.MemoryBytes ?? 0)
        && (request.Gpus.IsNone || PlaceGpus(request.Gpus, reservation) is not null);

    /// <summary>Takes what <paramref name="request"/> needs; throws if it does not fit.</summary>
    public Allocation Take(ResourceRequest request)
    {
        if (request.Cpus > FreeCpus || request.MemoryBytes > FreeMemoryBytes)
        {
            throw new InvalidOperationException($"cannot take {request}: only {FreeCpus} cpus and {FreeMemoryBytes} bytes free");
        }
        IReadOnlyList<GpuGrant> grants = [];
        if (!request.Gpus.IsNone)
        {
            grants = PlaceGpus(request.Gpus, null)
                ?? throw new InvalidOperationException($"cannot take {request}: not enough GPUs with that memory free");
            foreach (var grant in grants)
            {
                _reservedMiB[grant.Position] += grant.MiB;
                _holders[grant.Position]++;
            }
        }
        FreeCpus -= request.Cpus;
        FreeMemoryBytes -= request.MemoryBytes;
        return new Allocation(request, grants);
    }

    /// <summary>
    /// Counts an attempt that already runs (re-attached after a restart), even past the capacity: it holds what it
    /// holds, and nothing new starts until enough is free. Its GPUs are not known (the record does not say which
    /// devices it got), so only its cores and memory are counted.
    /// </summary>
    public Allocation Occupy(ResourceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        FreeCpus -= request.Cpus;
        FreeMemoryBytes -= request.MemoryBytes;
        return new Allocation(request with { Gpus = GpuRequest.None }, []);
    }

    /// <summary>Gives back what an attempt held.</summary>
    public void Release(Allocation allocation)
    {
        foreach (var grant in allocation.Gpus)
        {
            _reservedMiB[grant.Position] -= grant.MiB;
            _holders[grant.Position]--;
            if (_reservedMiB[grant.Position] < 0 || _holders[grant.Position] < 0)
            {
                throw new InvalidOperationException("released more GPU memory than was taken");
            }
        }
        Release(allocation.Request with { Gpus = GpuRequest.None });
    }

    /// <summary>Gives back cores and memory taken for a request without GPUs.</summary>
    public void Release(ResourceRequest request)
    {
        if (!request.Gpus.IsNone)
        {
            throw new InvalidOperationException("a request with GPUs is released through its Allocation");
        }
        FreeCpus += request.Cpus;
        FreeMemoryBytes += request.MemoryBytes;
        if (FreeCpus > Capacity.Cpus || FreeMemoryBytes > Capacity.MemoryBytes)
        {
            throw new InvalidOperationException("released more resources than were taken");
        }
    }

    /// <summary>
    /// What to set aside for <paramref name="request"/>, a task that does not fit now, so that it fits as soon as
    /// enough running attempts end: its cores and memory, and its memory on the devices closest to having it free.
    /// </summary>
    public Reservation Reserve(ResourceRequest request)
    {
        var gpuMiB = new long[_reservedMiB.Length];
        if (!request.Gpus.IsNone)
        {
            var foreign = _probe.ForeignMemoryMiB();
            var devices = Gpus.Devices;
            var chosen = Enumerable.Range(0, devices.Count)
                .Where(p => request.Gpus.MiBOn(devices[p]) <= devices[p].TotalMiB - Foreign(foreign, devices[p]))
                .OrderByDescending(p => FreeMiB(p, foreign))
                .ThenBy(p => devices[p].Index)
                .Take(request.Gpus.Devices);
            foreach (var p in chosen)
            {
                gpuMiB[p] = request.Gpus.MiBOn(devices[p]);
            }
        }
        return new Reservation(request.Cpus, request.MemoryBytes, gpuMiB);
    }

    /// <summary>What each device holds now, for <c>baton resources</c>.</summary>
    public IReadOnlyList<GpuUsage> GpuUsage()
    {
        var foreign = Gpus.Devices.Count == 0 ? new Dictionary<int, long>() : _probe.ForeignMemoryMiB();
        return Gpus.Devices.Select((d, p) => new GpuUsage(d, _reservedMiB[p], _holders[p], Foreign(foreign, d))).ToArray();
    }

    /// <summary>
    /// Exactly <see cref="GpuRequest.Devices"/> devices that each have the memory free, best fit first (the devices
    /// with the least memory left over), so that whole cards stay free for large requests; null when there are not
    /// enough.
    /// </summary>
    private GpuGrant[]? PlaceGpus(GpuRequest request, Reservation? reservation)
    {
        var devices = Gpus.Devices;
        if (request.Devices > devices.Count)
        {
            return null;
        }
        var foreign = _probe.ForeignMemoryMiB();
        var candidates = new List<(int Position, long LeftOver)>(devices.Count);
        for (var p = 0; p < devices.Count; p++)
        {
            var free = FreeMiB(p, foreign) - (reservation?.GpuMiB[p] ?? 0);
            var need = request.MiBOn(devices[p]);
            if (need <= free)
            {
                candidates.Add((p, free - need));
            }
        }
        if (candidates.Count < request.Devices)
        {
            return null;
        }
        return candidates
            .OrderBy(c => c.LeftOver)
            .ThenBy(c => devices[c.Position].Index)
            .Take(request.Devices)
            .Select(c => new GpuGrant(c.Position, devices[c.Position], request.MiBOn(devices[c.Position])))
            .OrderBy(g => g.Device.Index)
            .ToArray();
    }

    private long FreeMiB(int position, IReadOnlyDictionary<int, long> foreign) =>
        Gpus.Devices[position].TotalMiB - _reservedMiB[position] - Foreign(foreign, Gpus.Devices[position]);

    private static long Foreign(IReadOnlyDictionary<int, long> foreign, GpuDevice device) =>
        foreign.TryGetValue(device.Index, out var used) ? Math.Max(0, used) : 0;
}

/// <summary>What one attempt holds: its request and the GPU memory it reserved on each of its devices.</summary>
public sealed record Allocation(ResourceRequest Request, IReadOnlyList<GpuGrant> Gpus)
{
    /// <summary>The device indices, comma-separated: the value of <c>BATON_GPUS</c>.</summary>
    public string DeviceList => string.Join(",", Gpus.Select(g => g.Device.Index));
}

/// <summary>Memory reserved on one device; <paramref name="Position"/> is the device's place in the inventory.</summary>
public sealed record GpuGrant(int Position, GpuDevice Device, long MiB);

/// <summary>Resources set aside for a waiting task: others may use only what is free beyond them.</summary>
public sealed record Reservation(int Cpus, long MemoryBytes, IReadOnlyList<long> GpuMiB);

/// <summary>One device now: memory reserved by Baton's attempts (and how many), and used by other processes.</summary>
public sealed record GpuUsage(GpuDevice Device, long ReservedMiB, int Attempts, long ForeignMiB);
