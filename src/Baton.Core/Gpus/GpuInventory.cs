using System.Globalization;

namespace Baton.Core.Gpus;

/// <summary>The GPUs Baton may use, and where that list came from (<c>nvidia-smi</c>, <c>settings</c>, <c>none</c>).</summary>
public sealed class GpuInventory
{
    public GpuInventory(IReadOnlyList<GpuDevice> devices, string source)
    {
        var seen = new HashSet<int>();
        foreach (var device in devices)
        {
            if (!seen.Add(device.Index))
            {
                throw new ArgumentException($"GPU index {device.Index} is listed twice", nameof(devices));
            }
            if (device.TotalMiB <= 0)
            {
                throw new ArgumentException($"GPU {device.Index} has no memory", nameof(devices));
            }
        }
        Devices = devices;
        Source = source;
    }

    public static GpuInventory Empty { get; } = new([], "none");

    public IReadOnlyList<GpuDevice> Devices { get; }

    public string Source { get; }

    /// <summary>The device with the most memory (the lowest index among equals); null when there is none.</summary>
    public GpuDevice? Largest => Devices.OrderByDescending(d => d.TotalMiB).ThenBy(d => d.Index).FirstOrDefault();

    /// <summary>Only the devices whose index is in <paramref name="visible"/> (the <c>visible_devices</c> setting).</summary>
    public GpuInventory Restrict(IReadOnlyCollection<int> visible)
    {
        foreach (var index in visible)
        {
            if (Devices.All(d => d.Index != index))
            {
                throw new ArgumentException(
                    $"visible_devices names GPU {index.ToString(CultureInfo.InvariantCulture)}, which is not in the inventory ({Describe()})",
                    nameof(visible));
            }
        }
        return new GpuInventory(Devices.Where(d => visible.Contains(d.Index)).ToArray(), Source);
    }

    /// <summary>
    /// Why <paramref name="request"/> can never be placed here (more devices than exist, more memory than enough of
    /// them have), or null when an empty machine could place it.
    /// </summary>
    public string? WhyNever(GpuRequest request)
    {
        if (request.IsNone)
        {
            return null;
        }
        var plural = request.Devices == 1 ? "GPU" : "GPUs";
        if (Devices.Count == 0)
        {
            return $"{request.Devices} {plural} but Baton may use none (declare gpus in the workspace settings, or install nvidia-smi)";
        }
        var largest = Largest!;
        if (request.Devices > Devices.Count)
        {
            return $"{request.Devices} {plural} but Baton may use {Devices.Count} (largest device: {largest})";
        }
        var enough = Devices.Count(d => request.MiBOn(d) <= d.TotalMiB);
        if (enough < request.Devices)
        {
            return request.Devices == 1 || enough == 0
                ? $"{request.DescribeMemory()} on each of {request.Devices} {plural} but the largest device is {largest}"
                : $"{request.DescribeMemory()} on each of {request.Devices} {plural} but only {enough} devices have that much (largest device: {largest})";
        }
        return null;
    }

    public string Describe() => Devices.Count == 0 ? "no GPUs" : string.Join(", ", Devices.Select(d => d.ToString()));
}
