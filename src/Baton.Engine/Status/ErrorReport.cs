using System.Text;
using System.Text.RegularExpressions;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workspaces;

namespace Baton.Engine.Status;

/// <summary>
/// Failed attempts grouped by template and clustered by cause (jobmon's clustered error messages): what
/// <c>baton errors</c> prints and what a server would serve.
/// </summary>
public static partial class ErrorReport
{
    /// <summary>How many task names a cluster keeps as examples.</summary>
    public const int ExampleTasks = 5;

    /// <summary>How much of the end of a stderr file is read.</summary>
    private const int TailBytes = 8192;

    /// <summary>Clusters of the failed attempts <paramref name="filter"/> selects, largest first within each template.</summary>
    public static async Task<IReadOnlyList<ErrorCluster>> BuildAsync(IBatonStore store, AttemptFilter filter, int lastLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filter);
        var attempts = await store.ListAttemptsAsync(filter with { FailedOnly = true }, cancellationToken);
        var clusters = new Dictionary<(string Template, string Outcome, string Signature), Builder>();
        var order = new List<(string, string, string)>();
        foreach (var listing in attempts)
        {
            var attempt = listing.Attempt;
            var outcome = attempt.Outcome is AttemptOutcome.Failed && attempt.ExitCode is { } code
                ? $"exit code {code}"
                : attempt.Outcome?.ToWord() ?? "unknown";
            var tail = ReadTail(WorkspaceLayout.StderrFile(attempt.Directory), lastLines);
            var line = tail.Count > 0 ? tail[^1] : attempt.Message ?? "";
            var key = (listing.Template, outcome, Normalize(line));
            if (!clusters.TryGetValue(key, out var builder))
            {
                builder = new Builder(tail.Count > 0 ? tail : string.IsNullOrEmpty(attempt.Message) ? [] : [attempt.Message]);
                clusters.Add(key, builder);
                order.Add(key);
            }
            builder.Count++;
            if (builder.Tasks.Count < ExampleTasks && !builder.Tasks.Contains(listing.Task))
            {
                builder.Tasks.Add(listing.Task);
            }
        }
        var templateOrder = order.Select(k => k.Item1).Distinct().ToList();
        return order
            .OrderBy(k => templateOrder.IndexOf(k.Item1))
            .ThenByDescending(k => clusters[k].Count)
            .Select(k => new ErrorCluster(k.Item1, k.Item2, k.Item3, clusters[k].Count, clusters[k].Tasks, clusters[k].LastLines))
            .ToList();
    }

    /// <summary>
    /// A line with what varies between tasks blanked out: numbers (seeds, line numbers, pids, sizes) and long hex
    /// strings (identities, addresses) become <c>#</c>; runs of spaces become one.
    /// </summary>
    public static string Normalize(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var blanked = Variable().Replace(line.Trim(), "#");
        return Spaces().Replace(blanked, " ");
    }

    /// <summary>The last <paramref name="count"/> non-empty lines of a file; none when it is missing or empty.</summary>
    private static List<string> ReadTail(string path, int count)
    {
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var length = (int)Math.Min(stream.Length, TailBytes);
            stream.Seek(-length, SeekOrigin.End);
            bytes = new byte[length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        var lines = Encoding.UTF8.GetString(bytes).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        return lines.Skip(Math.Max(0, lines.Count - count)).ToList();
    }

    [GeneratedRegex(@"0x[0-9a-fA-F]+|\b[0-9a-fA-F]{8,}\b|\d+(\.\d+)?")]
    private static partial Regex Variable();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private sealed class Builder(IReadOnlyList<string> lastLines)
    {
        public int Count { get; set; }

        public List<string> Tasks { get; } = [];

        public IReadOnlyList<string> LastLines { get; } = lastLines;
    }
}
