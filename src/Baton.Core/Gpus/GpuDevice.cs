namespace Baton.Core.Gpus;

/// <summary>One GPU Baton may hand out: its index as nvidia-smi numbers it (PCI bus order), UUID when known, and total memory.</summary>
public sealed record GpuDevice(int Index, string? Uuid, string Name, long TotalMiB)
{
    public override string ToString() => $"{Index} ({Name}, {TotalMiB} MiB)";
}
