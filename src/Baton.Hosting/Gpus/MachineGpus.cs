using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Gpus;

namespace Baton.Hosting.Gpus;

/// <summary>
/// The GPUs Baton may use on this machine: declared in the workspace settings, else detected with nvidia-smi,
/// else none; restricted to <c>visible_devices</c>.
/// </summary>
public static class MachineGpus
{
    /// <returns>The inventory, how to read memory used by others, and why detection failed when nvidia-smi is there but did not answer.</returns>
    public static (GpuInventory Inventory, IGpuMemoryProbe Probe, string? Problem) Resolve(WorkspaceSettings settings, TimeProvider time)
    {
        GpuInventory inventory;
        string? problem = null;
        IGpuMemoryProbe probe = DeclaredGpuMemory.None;
        if (settings.Gpus is { } declared)
        {
            inventory = new GpuInventory(declared, "settings");
        }
        else if (NvidiaSmi.Find() is { } program && Detect(program, out problem) is { } detected)
        {
            inventory = detected;
            probe = new NvidiaSmiMemoryProbe(program, detected, time);
        }
        else
        {
            inventory = GpuInventory.Empty;
        }
        if (settings.VisibleDevices is { } visible)
        {
            try
            {
                inventory = inventory.Restrict(visible);
            }
            catch (ArgumentException ex)
            {
                throw new BatonInputException($"{WorkspaceSettings.FileName}: {ex.Message.Split(" (Parameter")[0]}");
            }
        }
        return (inventory, probe, problem);
    }

    /// <summary>The devices nvidia-smi lists; null when it cannot tell (no driver loaded, for example).</summary>
    private static GpuInventory? Detect(string program, out string? problem)
    {
        problem = null;
        try
        {
            var devices = NvidiaSmiOutput.ParseGpus(NvidiaSmi.Query(program, NvidiaSmiOutput.GpuQuery));
            return new GpuInventory(devices.Select(d => d.Device).ToArray(), "nvidia-smi");
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or System.ComponentModel.Win32Exception)
        {
            problem = $"{program} did not list the GPUs: {ex.Message}";
            return null;
        }
    }
}
