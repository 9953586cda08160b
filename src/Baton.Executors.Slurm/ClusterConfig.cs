using System.Globalization;

namespace Baton.Executors.Slurm;

/// <summary>What the executor reads of <c>scontrol show config</c>: the largest job array and whether jobs are accounted (sacct).</summary>
internal sealed record ClusterConfig(int MaxArraySize, bool HasAccounting)
{
    public static ClusterConfig Parse(string scontrolShowConfig)
    {
        var size = 1000;
        var accounting = false;
        foreach (var line in scontrolShowConfig.Split('\n'))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                continue;
            }
            if (parts[0] == "MaxArraySize" && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var max))
            {
                // Indices run from 0 to MaxArraySize - 1.
                size = Math.Max(1, max);
            }
            else if (parts[0] == "AccountingStorageType")
            {
                accounting = parts[1] is not ("accounting_storage/none" or "(null)" or "");
            }
        }
        return new ClusterConfig(size, accounting);
    }
}
