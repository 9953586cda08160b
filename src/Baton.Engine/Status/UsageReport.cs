using System.Globalization;
using System.Text;
using Baton.Core.Resources;
using Baton.Core.Stores;

namespace Baton.Engine.Status;

/// <summary>Minimum, mean and maximum of one measure over a template's attempts.</summary>
public readonly record struct Spread(double Min, double Mean, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values) =>
        values.Count == 0 ? default : new(values.Min(), values.Average(), values.Max());
}

/// <summary>What the succeeded attempts of one template used (jobmon's task template resource usage).</summary>
/// <param name="Attempts">How many attempts were measured.</param>
/// <param name="WallSeconds">Wall time.</param>
/// <param name="CpuSeconds">User plus system CPU time.</param>
/// <param name="PeakRssBytes">Peak resident memory of the process tree.</param>
/// <param name="MaxCpusRequested">The most cores any of them asked for.</param>
public sealed record TemplateUsage(string Template, int Attempts, Spread WallSeconds, Spread CpuSeconds, Spread PeakRssBytes, int MaxCpusRequested)
{
    /// <summary>
    /// Resources that would have fitted every measured attempt with <paramref name="headroom"/> to spare (0.2: 20 %):
    /// memory rounded up to whole MiB, runtime to whole seconds.
    /// </summary>
    public ResourceRequest Suggest(double headroom)
    {
        const double MiB = 1024 * 1024;
        var memory = (long)(Math.Ceiling(PeakRssBytes.Max * (1 + headroom) / MiB) * MiB);
        var runtime = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(WallSeconds.Max * (1 + headroom))));
        return new ResourceRequest(Math.Max(1, MaxCpusRequested), memory, runtime);
    }
}

/// <summary>Usage per template from succeeded attempts, and the suggested resources block (jobmon's "resources yaml").</summary>
public static class UsageReport
{
    public static async Task<IReadOnlyList<TemplateUsage>> BuildAsync(IBatonStore store, AttemptFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filter);
        var attempts = await store.ListAttemptsAsync(filter with { SucceededOnly = true }, cancellationToken);
        return attempts
            .Where(a => a.Attempt.Usage is not null)
            .GroupBy(a => a.Template, StringComparer.Ordinal)
            .Select(g =>
            {
                var usages = g.Select(a => a.Attempt.Usage!).ToList();
                return new TemplateUsage(
                    g.Key,
                    usages.Count,
                    Spread.Of(usages.Select(u => u.Wall.TotalSeconds).ToList()),
                    Spread.Of(usages.Select(u => u.Cpu.TotalSeconds).ToList()),
                    Spread.Of(usages.Select(u => (double)u.PeakRssBytes).ToList()),
                    g.Max(a => a.Attempt.Resources?.Cpus ?? 1));
            })
            .ToList();
    }

    /// <summary>A <c>templates:</c> block for a workflow file with the suggested resources of each template.</summary>
    public static string SuggestedYaml(IEnumerable<TemplateUsage> usage, double headroom)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"# suggested from measured usage with {headroom * 100:0.#} % headroom\n");
        yaml.Append("templates:\n");
        foreach (var template in usage)
        {
            var r = template.Suggest(headroom);
            yaml.Append(CultureInfo.InvariantCulture, $"  {template.Template}:\n");
            yaml.Append(CultureInfo.InvariantCulture,
                $"    resources: {{ cpus: {r.Cpus}, memory: {ResourceParser.FormatMemory(r.MemoryBytes)}, runtime: {(long)r.Runtime!.Value.TotalSeconds}s }}\n");
        }
        return yaml.ToString();
    }
}
