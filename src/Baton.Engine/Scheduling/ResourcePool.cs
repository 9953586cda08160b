using Baton.Core.Gpus;
using Baton.Core.Resources;

namespace Baton.Engine.Scheduling;

/// <summary>
/// The cores, memory and GPUs of this machine that Baton may hand out. Every running attempt holds its request until it
/// ends; the pool never hands out more than its capacity, and never reserves more of a GPU's memory than is free on
/// it: its total, minus what Baton's running attempts reserved, minus what other processes use (read from the
/// <see cref="IGpuMemoryProbe"/> when a GPU request is placed).
/// A node's runs share one pool: each run's loop holds <see cref="Sync"/> while it picks and takes, and hears through
/// <see cref="Released"/> when another run gave something back, so that its waiting tasks are looked at again.
/// </summary>
public sealed class ResourcePool
{
    private readonly IGpuMemoryProbe _probe;
    private readonly long[] _reservedMiB;
    private readonly int[] _holders;
    // What running attempts hold, to tell when a waiting task will fit at the latest (see ShadowTime).
    private readonly HashSet<Allocation> _taken = new(ReferenceEqualityComparer.Instance);

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

    /// <summary>Held by whoever reads free resources and takes from them, so that no two runs take the same cores.</summary>
    public Lock Sync { get; } = new();

    /// <summary>Raised (outside <see cref="Sync"/>) after a run gave resources back, with that run as argument.</summary>
    public event Action<object>? Released;

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
        && (request.Gpus.IsNone || PlaceGpus(request.Gpus, FreeMiBNow(reservation)) is not null);

    /// <summary>Takes what <paramref name="request"/> needs; throws if it does not fit.</summary>
    /// <param name="endsBy">When the attempt will have ended at the latest (its runtime limit), if it has one.</param>
    public Allocation Take(ResourceRequest request, DateTimeOffset? endsBy = null)
    {
        if (request.Cpus > FreeCpus || request.MemoryBytes > FreeMemoryBytes)
        {
            throw new InvalidOperationException($"cannot take {request}: only {FreeCpus} cpus and {FreeMemoryBytes} bytes free");
        }
        IReadOnlyList<GpuGrant> grants = [];
        if (!request.Gpus.IsNone)
        {
            grants = PlaceGpus(request.Gpus, FreeMiBNow(null))
                ?? throw new InvalidOperationException($"cannot take {request}: not enough GPUs with that memory free");
            foreach (var grant in grants)
            {
                _reservedMiB[grant.Position] += grant.MiB;
                _holders[grant.Position]++;
            }
        }
        FreeCpus -= request.Cpus;
        FreeMemoryBytes -= request.MemoryBytes;
        var allocation = new Allocation(request, grants) { EndsBy = endsBy };
        _taken.Add(allocation);
        return allocation;
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
        var allocation = new Allocation(request with { Gpus = GpuRequest.None }, []);
        _taken.Add(allocation);
        return allocation;
    }

    /// <summary>Gives back what an attempt of <paramref name="owner"/> held, and tells the other runs sharing the pool.</summary>
    public void Release(Allocation allocation, object owner)
    {
        lock (Sync)
        {
            Release(allocation);
        }
        Released?.Invoke(owner);
    }

    /// <summary>Gives back what an attempt held.</summary>
    public void Release(Allocation allocation)
    {
        if (!_taken.Remove(allocation))
        {
            throw new InvalidOperationException("released an allocation that is not held");
        }
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

    /// <summary>
    /// The latest time by which <paramref name="request"/> fits, counting only attempts with a runtime limit as ending
    /// (each at its limit); null when that never makes room. A task that is sure to end before then may use what a
    /// reservation for <paramref name="request"/> sets aside without delaying it (EASY backfilling).
    /// </summary>
    public DateTimeOffset? ShadowTime(ResourceRequest request)
    {
        var cpus = FreeCpus;
        var memory = FreeMemoryBytes;
        var reserved = (long[])_reservedMiB.Clone();
        var foreign = request.Gpus.IsNone ? new Dictionary<int, long>() : _probe.ForeignMemoryMiB();
        foreach (var allocation in _taken.Where(a => a.EndsBy is not null).OrderBy(a => a.EndsBy))
        {
            cpus += allocation.Request.Cpus;
            memory += allocation.Request.MemoryBytes;
            foreach (var grant in allocation.Gpus)
            {
                reserved[grant.Position] -= grant.MiB;
            }
            if (request.Cpus <= cpus && request.MemoryBytes <= memory
                && (request.Gpus.IsNone || PlaceGpus(request.Gpus, p => Gpus.Devices[p].TotalMiB - reserved[p] - Foreign(foreign, Gpus.Devices[p])) is not null))
            {
                return allocation.EndsBy;
            }
        }
        return null;
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
    private GpuGrant[]? PlaceGpus(GpuRequest request, Func<int, long> freeMiB)
    {
        var devices = Gpus.Devices;
        if (request.Devices > devices.Count)
        {
            return null;
        }
        var candidates = new List<(int Position, long LeftOver)>(devices.Count);
        for (var p = 0; p < devices.Count; p++)
        {
            var free = freeMiB(p);
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

    /// <summary>Free memory by device position now (read from the probe once), less what a reservation sets aside.</summary>
    private Func<int, long> FreeMiBNow(Reservation? reservation)
    {
        var foreign = Gpus.Devices.Count == 0 ? new Dictionary<int, long>() : _probe.ForeignMemoryMiB();
        return p => FreeMiB(p, foreign) - (reservation?.GpuMiB[p] ?? 0);
    }

    private long FreeMiB(int position, IReadOnlyDictionary<int, long> foreign) =>
        Gpus.Devices[position].TotalMiB - _reservedMiB[position] - Foreign(foreign, Gpus.Devices[position]);

    private static long Foreign(IReadOnlyDictionary<int, long> foreign, GpuDevice device) =>
        foreign.TryGetValue(device.Index, out var used) ? Math.Max(0, used) : 0;
}

/// <summary>What one attempt holds: its request and the GPU memory it reserved on each of its devices.</summary>
public sealed record Allocation(ResourceRequest Request, IReadOnlyList<GpuGrant> Gpus)
{
    /// <summary>When the attempt will have ended at the latest (its runtime limit); null when it has no limit.</summary>
    public DateTimeOffset? EndsBy { get; init; }

    /// <summary>The device indices, comma-separated: the value of <c>BATON_GPUS</c>.</summary>
    public string DeviceList => string.Join(",", Gpus.Select(g => g.Device.Index));
}

/// <summary>Memory reserved on one device; <paramref name="Position"/> is the device's place in the inventory.</summary>
public sealed record GpuGrant(int Position, GpuDevice Device, long MiB);

/// <summary>Resources set aside for a waiting task: others may use only what is free beyond them.</summary>
public sealed record Reservation(int Cpus, long MemoryBytes, IReadOnlyList<long> GpuMiB);

/// <summary>One device now: memory reserved by Baton's attempts (and how many), and used by other processes.</summary>
public sealed record GpuUsage(GpuDevice Device, long ReservedMiB, int Attempts, long ForeignMiB);
