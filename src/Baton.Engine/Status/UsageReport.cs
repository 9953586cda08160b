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
    /// <summary>Suggestions never ask for less memory than this: a program's own start-up needs it, measured or not.</summary>
    public const long MemoryFloorBytes = 64L * 1024 * 1024;

    /// <summary>Suggestions never ask for a shorter runtime: a loaded machine can make a 1-second task take 30.</summary>
    public static readonly TimeSpan RuntimeFloor = TimeSpan.FromMinutes(1);

    /// <summary>
    /// For a one-off <c>command:</c> task (template <see cref="Baton.Core.Graph.TemplateSpec.OneOffName"/>), the
    /// task's name: its resources are set in its own task entry. Null for a template.
    /// </summary>
    public string? Task { get; init; }

    /// <summary>
    /// Resources that would have fitted every measured attempt with <paramref name="headroom"/> to spare (0.2: 20 %),
    /// never below <see cref="MemoryFloorBytes"/> and <see cref="RuntimeFloor"/>: memory rounded up to whole MiB,
    /// runtime to whole minutes.
    /// </summary>
    public ResourceRequest Suggest(double headroom)
    {
        const double MiB = 1024 * 1024;
        var memory = Math.Max(MemoryFloorBytes, (long)(Math.Ceiling(PeakRssBytes.Max * (1 + headroom) / MiB) * MiB));
        var runtime = TimeSpan.FromMinutes(Math.Max(RuntimeFloor.TotalMinutes, Math.Ceiling(WallSeconds.Max * (1 + headroom) / 60)));
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
            // One-off command: tasks share a template name but not their resources: one entry each.
            .GroupBy(a => (a.Template, Task: a.Template == Baton.Core.Graph.TemplateSpec.OneOffName ? a.Task : null))
            .Select(g =>
            {
                var usages = g.Select(a => a.Attempt.Usage!).ToList();
                return new TemplateUsage(
                    g.Key.Template,
                    usages.Count,
                    Spread.Of(usages.Select(u => u.Wall.TotalSeconds).ToList()),
                    Spread.Of(usages.Select(u => u.Cpu.TotalSeconds).ToList()),
                    Spread.Of(usages.Select(u => (double)u.PeakRssBytes).ToList()),
                    g.Max(a => a.Attempt.Resources?.Cpus ?? 1))
                {
                    Task = g.Key.Task,
                };
            })
            .ToList();
    }

    /// <summary>
    /// Blocks that paste into a workflow file as they are: a <c>templates:</c> block with each template's suggested
    /// resources, and for one-off <c>command:</c> tasks a <c>resources:</c> line for each one's task entry.
    /// </summary>
    public static string SuggestedYaml(IEnumerable<TemplateUsage> usage, double headroom)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var all = usage.ToList();
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture,
            $"# suggested from measured usage with {headroom * 100:0.#} % headroom (at least {ResourceParser.FormatMemory(TemplateUsage.MemoryFloorBytes)} and {Runtime(TemplateUsage.RuntimeFloor)})\n");
        var templates = all.Where(t => t.Task is null).ToList();
        if (templates.Count > 0)
        {
            yaml.Append("templates:\n");
            foreach (var template in templates)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"  {template.Template}:\n    {Resources(template.Suggest(headroom))}\n");
            }
        }
        foreach (var task in all.Where(t => t.Task is not null))
        {
            yaml.Append(CultureInfo.InvariantCulture, $"# in the task entry of '{task.Task}':\n    {Resources(task.Suggest(headroom))}\n");
        }
        return yaml.ToString();
    }

    private static string Resources(ResourceRequest r) =>
        string.Create(CultureInfo.InvariantCulture, $"resources: {{ cpus: {r.Cpus}, memory: {ResourceParser.FormatMemory(r.MemoryBytes)}, runtime: {Runtime(r.Runtime!.Value)} }}");

    /// <summary>Whole minutes as the workflow file writes them: 5m, 2h, 1h30m.</summary>
    private static string Runtime(TimeSpan runtime)
    {
        var minutes = (long)Math.Ceiling(runtime.TotalMinutes);
        return minutes < 60 ? $"{minutes}m" : minutes % 60 == 0 ? $"{minutes / 60}h" : $"{minutes / 60}h{minutes % 60}m";
    }
}
