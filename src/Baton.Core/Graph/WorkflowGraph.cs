using System.Security.Cryptography;
using System.Text;

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
            downstream[i] = new int[downstreamCounts[i]];
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

    /// <summary>SHA-256 over the sorted task identities, each followed by its sorted upstream identities (jobmon's DAG hash).</summary>
    public string DagHash { get; }

    public bool TryGetIndex(string taskName, out int index) => _indexByName.TryGetValue(taskName, out index);

    private string ComputeDagHash()
    {
        var order = Enumerable.Range(0, Tasks.Count).OrderBy(i => Tasks[i].Identity.Hex, StringComparer.Ordinal).ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var line = new StringBuilder(80);
        foreach (var i in order)
        {
            line.Clear().Append("task ").Append(Tasks[i].Identity.Hex).Append('\n');
            foreach (var up in Upstream[i].Select(u => Tasks[u].Identity.Hex).Order(StringComparer.Ordinal))
            {
                line.Append("after ").Append(up).Append('\n');
            }
            hash.AppendData(Encoding.UTF8.GetBytes(line.ToString()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
