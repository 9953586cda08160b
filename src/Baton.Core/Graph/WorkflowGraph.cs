using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Baton.Core.Identity;

namespace Baton.Core.Graph;

/// <summary>
/// A validated workflow: its tasks in a topological order (every task after all of its upstreams) and the
/// dependency edges as index lists. Built by the workflow compiler in time linear in tasks + edges.
/// </summary>
public sealed class WorkflowGraph
{
    private readonly Dictionary<string, int> _indexByName;

    public WorkflowGraph(
        string name,
        IReadOnlyDictionary<string, string> workflowArgs,
        string sourceFile,
        string workflowDirectory,
        IReadOnlyList<TaskSpec> tasks,
        IReadOnlyList<int[]> upstream)
    {
        Name = name;
        WorkflowArgs = workflowArgs;
        SourceFile = sourceFile;
        WorkflowDirectory = workflowDirectory;
        Tasks = tasks;
        Upstream = upstream;
        _indexByName = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            _indexByName.Add(tasks[i].Name, i);
        }
        var downstreamCounts = new int[tasks.Count];
        foreach (var ups in upstream)
        {
            foreach (var u in ups)
            {
                downstreamCounts[u]++;
            }
        }
        var downstream = new int[tasks.Count][];
        for (var i = 0; i < tasks.Count; i++)
        {
            downstream[i] = downstreamCounts[i] == 0 ? [] : new int[downstreamCounts[i]];
            downstreamCounts[i] = 0;
        }
        for (var d = 0; d < upstream.Count; d++)
        {
            foreach (var u in upstream[d])
            {
                downstream[u][downstreamCounts[u]++] = d;
            }
        }
        Downstream = downstream;
        EdgeCount = upstream.Sum(u => u.Length);
        DagHash = ComputeDagHash();
    }

    public string Name { get; }
    public IReadOnlyDictionary<string, string> WorkflowArgs { get; }
    /// <summary>How many of its tasks may run at once; null for no limit (jobmon's max_concurrently_running).</summary>
    public int? MaxConcurrent { get; init; }
    /// <summary>Stop starting new tasks after the first task fails (running ones finish).</summary>
    public bool FailFast { get; init; }
    /// <summary>Free key → value pairs about the workflow (jobmon's workflow attributes); not part of its identity.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    /// <summary>The workflow file's full path.</summary>
    public string SourceFile { get; }
    /// <summary>The directory holding the workflow file: <c>{workflow_dir}</c>.</summary>
    public string WorkflowDirectory { get; }
    /// <summary>Tasks in a topological order.</summary>
    public IReadOnlyList<TaskSpec> Tasks { get; }
    /// <summary>For each task (by index), the indices of the tasks it runs after, in declaration order.</summary>
    public IReadOnlyList<int[]> Upstream { get; }
    /// <summary>For each task (by index), the indices of the tasks that run after it.</summary>
    public IReadOnlyList<int[]> Downstream { get; }
    public int EdgeCount { get; }

    /// <summary>Named groups of tasks and their hooks; their order is already in the edges.</summary>
    public IReadOnlyList<TaskGroupSpec> Groups { get; init; } = [];

    /// <summary>SHA-256 over the sorted task identities, each followed by its sorted upstream identities (jobmon's DAG hash).</summary>
    public string DagHash { get; }

    public bool TryGetIndex(string taskName, out int index) => _indexByName.TryGetValue(taskName, out index);

    /// <summary>
    /// Hashes, in ordinal order of identity, the lines <c>task &lt;hex&gt;</c> each followed by
    /// <c>after &lt;hex&gt;</c> for its upstreams in ordinal order. Linear apart from two sorts of integers and no
    /// allocation per task: the tasks are sorted once by the first 16 hex digits read as a number (the same order
    /// as comparing the text, as lowercase hex digits sort like their values), ties by the full text and then by
    /// index (as a stable sort would); an upstream list is sorted by the upstreams' ranks in that order. The
    /// identities are copied once, as ASCII, into one array by rank, so that writing the lines reads it in order
    /// instead of visiting 100,000 strings at random.
    /// </summary>
    private string ComputeDagHash()
    {
        var n = Tasks.Count;
        var hex = new string[n];
        var keys = new ulong[n];
        var order = new int[n];
        var empty = 0;
        for (var i = 0; i < n; i++)
        {
            // Only default(TaskIdentity) has no text; the old string form hashed it as "task \n", so it still is.
            hex[i] = Tasks[i].Identity.Hex ?? "";
            keys[i] = SortKey(hex[i]);
            order[i] = i;
            empty += hex[i].Length == 0 ? 1 : 0;
        }
        Array.Sort(keys, order);
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }
            if (end - start > 1)
            {
                order.AsSpan(start, end - start).Sort((a, b) =>
                    string.CompareOrdinal(hex[a], hex[b]) is var c && c != 0 ? c : a.CompareTo(b));
            }
            start = end;
        }
        var rank = new int[n];
        for (var r = 0; r < n; r++)
        {
            rank[order[r]] = r;
        }
        // Identities without text sort first, so ranks [0, empty) are exactly those; every other one is 64 digits.
        var ascii = GC.AllocateUninitializedArray<byte>(checked(n * TaskIdentity.HexLength));
        for (var i = 0; i < n; i++)
        {
            Ascii.FromUtf16(hex[i], ascii.AsSpan(rank[i] * TaskIdentity.HexLength, hex[i].Length), out _);
        }
        ReadOnlySpan<byte> HexAt(int r) => r < empty ? [] : ascii.AsSpan(r * TaskIdentity.HexLength, TaskIdentity.HexLength);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var ranks = ArrayPool<int>.Shared.Rent(16);
        try
        {
            var at = 0;
            for (var r = 0; r < n; r++)
            {
                Line(hash, buffer, ref at, "task "u8, HexAt(r));
                var ups = Upstream[order[r]];
                if (ups.Length == 0)
                {
                    continue;
                }
                if (ranks.Length < ups.Length)
                {
                    ArrayPool<int>.Shared.Return(ranks);
                    ranks = ArrayPool<int>.Shared.Rent(ups.Length);
                }
                var sorted = ranks.AsSpan(0, ups.Length);
                for (var u = 0; u < ups.Length; u++)
                {
                    sorted[u] = rank[ups[u]];
                }
                sorted.Sort();
                foreach (var q in sorted)
                {
                    Line(hash, buffer, ref at, "after "u8, HexAt(q));
                }
            }
            hash.AppendData(buffer, 0, at);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<int>.Shared.Return(ranks);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The first 16 hex digits as a number: ordered as the text is (lowercase hex, checked by TaskIdentity).</summary>
    private static ulong SortKey(string hex)
    {
        ulong key = 0;
        for (var c = 0; c < 16; c++)
        {
            key <<= 4;
            if (c < hex.Length)
            {
                key |= (uint)(hex[c] <= '9' ? hex[c] - '0' : hex[c] - 'a' + 10);
            }
        }
        return key;
    }

    /// <summary>Appends "label hex\n" to the buffer, handing the buffer to the hash first when it is too full.</summary>
    private static void Line(IncrementalHash hash, byte[] buffer, ref int at, ReadOnlySpan<byte> label, ReadOnlySpan<byte> hex)
    {
        if (buffer.Length - at < label.Length + hex.Length + 1)
        {
            hash.AppendData(buffer, 0, at);
            at = 0;
        }
        label.CopyTo(buffer.AsSpan(at));
        at += label.Length;
        hex.CopyTo(buffer.AsSpan(at));
        at += hex.Length;
        buffer[at++] = (byte)'\n';
    }
}
