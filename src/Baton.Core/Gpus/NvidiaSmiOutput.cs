using System.Globalization;

namespace Baton.Core.Gpus;

/// <summary>
/// Parses what nvidia-smi prints (pure: running it is the host's job). The queries are <see cref="GpuQuery"/> and
/// <see cref="AppsQuery"/>, both with <c>--format=csv,noheader,nounits</c>.
/// </summary>
public static class NvidiaSmiOutput
{
    public const string GpuQuery = "--query-gpu=index,uuid,name,memory.total,memory.used";

    public const string AppsQuery = "--query-compute-apps=gpu_uuid,pid,used_memory";

    /// <summary>One line per GPU: <c>0, GPU-1f2e..., NVIDIA A100-SXM4-80GB, 81920, 4</c>. Returns the devices and the memory used on each.</summary>
    public static IReadOnlyList<(GpuDevice Device, long UsedMiB)> ParseGpus(string output)
    {
        var result = new List<(GpuDevice, long)>();
        foreach (var line in Lines(output))
        {
            var fields = line.Split(',').Select(f => f.Trim()).ToArray();
            // The name may itself hold commas: it is everything between the UUID and the two memory figures.
            if (fields.Length < 5
                || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || !TryMiB(fields[^2], out var total) || total <= 0)
            {
                throw new FormatException($"unexpected nvidia-smi line: '{line}'");
            }
            var used = TryMiB(fields[^1], out var u) ? u : 0;
            var name = string.Join(", ", fields[2..^2]);
            result.Add((new GpuDevice(index, fields[1], name, total), used));
        }
        return result;
    }

    /// <summary>One line per process using a GPU: <c>GPU-1f2e..., 4242, 1024</c>. Lines without a number (<c>[N/A]</c>) count 0 MiB.</summary>
    public static IReadOnlyList<(string GpuUuid, int ProcessId, long UsedMiB)> ParseApps(string output)
    {
        var result = new List<(string, int, long)>();
        foreach (var line in Lines(output))
        {
            var fields = line.Split(',').Select(f => f.Trim()).ToArray();
            if (fields.Length != 3 || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                throw new FormatException($"unexpected nvidia-smi line: '{line}'");
            }
            result.Add((fields[0], pid, TryMiB(fields[2], out var used) ? used : 0));
        }
        return result;
    }

    private static IEnumerable<string> Lines(string output) =>
        output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static bool TryMiB(string text, out long mib) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out mib);
}
