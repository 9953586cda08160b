using Baton.Core.Gpus;
using Baton.Core.Resources;

namespace Baton.Engine.Tests.Scheduling;

/// <summary>Declared GPU inventories and requests shared by the GPU scheduling tests.</summary>
internal static class GpuFixtures
{
    /// <summary>24 GiB in MiB: one card of the scenario.</summary>
    public const long Card = 24 * 1024;

    /// <summary>The scenario's machine: four declared devices of 24 GiB.</summary>
    public static GpuInventory FourCards { get; } = Devices(Card, Card, Card, Card);

    public static GpuInventory Devices(params long[] totalMiB) =>
        new(totalMiB.Select((m, i) => new GpuDevice(i, null, "declared", m)).ToArray(), "settings");

    /// <summary>One core and <paramref name="devices"/> devices with <paramref name="mib"/> each.</summary>
    public static ResourceRequest Gpus(int devices, long mib) => new ResourceRequest(1, 0, null) with { Gpus = new GpuRequest(devices, mib, 0) };
}
