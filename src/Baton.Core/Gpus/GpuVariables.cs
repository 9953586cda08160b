using System.Globalization;

namespace Baton.Core.Gpus;

/// <summary>
/// The environment variables that give an attempt its GPUs. With an inventory, every attempt gets them: one that
/// asked for no GPU sees none (<c>CUDA_VISIBLE_DEVICES</c> empty), so that it cannot take memory reserved for others.
/// </summary>
public static class GpuVariables
{
    /// <summary>The attempt's device indices as nvidia-smi numbers them, comma-separated (empty for none).</summary>
    public const string Devices = "BATON_GPUS";

    /// <summary>The memory reserved for the attempt on each of its devices, MiB, in the order of <see cref="Devices"/>.</summary>
    public const string MemoryMiB = "BATON_GPU_MEMORY_MIB";

    /// <summary>
    /// The variables for an attempt holding <paramref name="grants"/> (device, MiB reserved); none at all when the
    /// inventory is empty. <c>CUDA_VISIBLE_DEVICES</c> lists UUIDs when every device has one: CUDA numbers devices
    /// fastest first unless told otherwise, so indices are only safe with <c>CUDA_DEVICE_ORDER=PCI_BUS_ID</c>, which is
    /// set too.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(GpuInventory inventory, IReadOnlyList<(GpuDevice Device, long MiB)> grants)
    {
        if (inventory.Devices.Count == 0)
        {
            return new Dictionary<string, string>();
        }
        var byUuid = grants.All(g => !string.IsNullOrEmpty(g.Device.Uuid));
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CUDA_VISIBLE_DEVICES"] = string.Join(",", grants.Select(g => byUuid ? g.Device.Uuid : g.Device.Index.ToString(CultureInfo.InvariantCulture))),
            ["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID",
            [Devices] = string.Join(",", grants.Select(g => g.Device.Index)),
            [MemoryMiB] = string.Join(",", grants.Select(g => g.MiB)),
        };
    }
}
