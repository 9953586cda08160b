using System.Globalization;
using Baton.Core.Resources;

namespace Baton.Core.Gpus;

/// <summary>
/// The GPUs one attempt needs: exactly <see cref="Devices"/> devices, each with a memory amount free, given either
/// in MiB (<see cref="MemoryMiB"/> &gt; 0) or as a fraction of the device's total (<see cref="Fraction"/>, in (0, 1]).
/// </summary>
public sealed record GpuRequest(int Devices, long MemoryMiB, double Fraction)
{
    /// <summary>No GPU.</summary>
    public static GpuRequest None { get; } = new(0, 0, 0);

    /// <summary><paramref name="devices"/> whole devices: the default when no memory is given, so a task has its cards to itself.</summary>
    public static GpuRequest Whole(int devices) => new(devices, 0, 1.0);

    public bool IsNone => Devices == 0;

    /// <summary>The memory this request reserves on <paramref name="device"/>.</summary>
    public long MiBOn(GpuDevice device) =>
        MemoryMiB > 0 ? MemoryMiB : (long)Math.Ceiling(Fraction * device.TotalMiB);

    /// <summary>The memory per device as users write it: <c>20000MiB</c>, <c>50%</c>.</summary>
    public string DescribeMemory() => MemoryMiB > 0
        ? ResourceParser.FormatMemory(MemoryMiB << 20)
        : Fraction >= 1 ? "the whole device" : (Fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    public override string ToString() => IsNone ? "none" : $"{Devices} x {DescribeMemory()}";

    /// <summary>
    /// Parses a memory per device: an amount with a unit (<c>20G</c>, <c>8000M</c>: rounded up to whole MiB), a
    /// bare whole number above 1 (MiB, as nvidia-smi counts), or a fraction of the device's total (<c>0.5</c>,
    /// <c>50%</c>, <c>1</c> for the whole device).
    /// </summary>
    public static bool TryParseMemory(string text, out long mib, out double fraction, out string error)
    {
        mib = 0;
        fraction = 0;
        var trimmed = text.Trim();
        var percent = trimmed.EndsWith('%');
        var number = percent ? trimmed[..^1].TrimEnd() : trimmed;
        if (number.Length > 0 && number.All(c => char.IsAsciiDigit(c) || c == '.')
            && decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            var share = percent ? value / 100 : value;
            if (percent || value <= 1)
            {
                if (share <= 0 || share > 1)
                {
                    error = $"gpu_memory '{text}' must be a share of the device in (0, 1] or (0%, 100%]";
                    return false;
                }
                fraction = (double)share;
                error = "";
                return true;
            }
            if (value != decimal.Truncate(value) || value > long.MaxValue >> 21)
            {
                error = $"gpu_memory '{text}' is not a whole number of MiB (or write a unit: 20G)";
                return false;
            }
            mib = (long)value;
            error = "";
            return true;
        }
        if (!ResourceParser.TryParseMemory(trimmed, out var bytes, out _) || percent)
        {
            error = $"gpu_memory '{text}' is not an amount such as 20G or 8000 (MiB), nor a share such as 0.5 or 50%";
            return false;
        }
        if (bytes <= 0)
        {
            error = $"gpu_memory '{text}' must be positive";
            return false;
        }
        mib = (bytes + (1L << 20) - 1) >> 20;
        error = "";
        return true;
    }
}
