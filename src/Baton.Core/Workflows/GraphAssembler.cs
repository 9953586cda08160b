using System.Security.Cryptography;
using Baton.Core.Graph;
using Baton.Core.Identity;

namespace Baton.Core.Workflows;

/// <summary>
/// Computes identities (a task's identity covers the identities of the tasks its <c>{dir:...}</c> references read,
/// so those come first), refuses two tasks with one identity, and builds the <see cref="WorkflowGraph"/>.
/// </summary>
internal static class GraphAssembler
{
    public static WorkflowGraph Assemble(
        WorkflowFile file,
        string sourceFile,
        string workflowDirectory,
        IReadOnlyList<ExpandedTask> tasks,
        IReadOnlyList<int[]> upstream,
        IReadOnlyList<int[]> inputs,
        int[] order,
        GroupCompiler? groups = null)
    {
        var n = tasks.Count;
        var identities = ComputeIdentities(tasks, inputs, order);
        var position = new int[n];
        for (var p = 0; p < n; p++)
        {
            position[order[p]] = p;
        }
        var byIdentity = new Dictionary<TaskIdentity, int>(n);
        var specs = new TaskSpec[n];
        var upstreamByPosition = new int[n][];
        foreach (var i in order)
        {
            var identity = identities[i];
            if (!byIdentity.TryAdd(identity, i))
            {
                var (first, second) = (Math.Min(byIdentity[identity], i), Math.Max(byIdentity[identity], i));
                throw WorkflowErrors.At(tasks[second].Entry.Location,
                    $"tasks '{tasks[first].Name}' and '{tasks[second].Name}' are the same task (same template and identity-defining arguments)");
            }
            var task = tasks[i];
            var entry = task.Entry;
            specs[position[i]] = new TaskSpec
            {
                Name = task.Name,
                Template = entry.Template.Spec,
                Identity = identity,
                Command = task.Command,
                Resources = entry.Resources,
                MaxAttempts = entry.MaxAttempts,
                Priority = entry.Priority,
                Retry = entry.Retry,
                Tokens = entry.Tokens,
                Hooks = entry.Hooks,
                Tags = entry.Declaration.Tags,
                Attributes = entry.Declaration.Attributes,
                Location = entry.Location,
            };
            upstreamByPosition[position[i]] = ToPositions(upstream[i], position);
        }
        return new WorkflowGraph(file.Name, file.WorkflowArgs, sourceFile, workflowDirectory, specs, upstreamByPosition)
        {
            MaxConcurrent = file.MaxConcurrent,
            FailFast = file.FailFast,
            Attributes = file.Attributes,
            Groups = groups?.Specs(position) ?? [],
        };
    }

    private static int[] ToPositions(int[] indices, int[] position)
    {
        if (indices.Length == 0)
        {
            return [];
        }
        var positions = new int[indices.Length];
        for (var k = 0; k < indices.Length; k++)
        {
            positions[k] = position[indices[k]];
        }
        return positions;
    }

    /// <summary>
    /// Every task's identity, by declaration index. A task's identity needs only the identities of its inputs, so
    /// tasks are grouped in levels (level 0: no inputs; level k: inputs up to level k - 1) and each level is hashed
    /// in parallel: hashing is most of the compile time of a large workflow.
    /// </summary>
    private static TaskIdentity[] ComputeIdentities(IReadOnlyList<ExpandedTask> tasks, IReadOnlyList<int[]> inputs, int[] order)
    {
        var n = tasks.Count;
        var identities = new TaskIdentity[n];
        if (n < Parallelism.Threshold)
        {
            using var sha256 = NewSha256();
            foreach (var i in order)
            {
                identities[i] = Compute(tasks[i], inputs[i], identities, sha256);
            }
            return identities;
        }
        // Levels in topological order (inputs are upstream, hence earlier), then a counting sort by level.
        var level = new int[n];
        var levels = 1;
        foreach (var i in order)
        {
            foreach (var j in inputs[i])
            {
                level[i] = Math.Max(level[i], level[j] + 1);
            }
            levels = Math.Max(levels, level[i] + 1);
        }
        var start = new int[levels + 1];
        foreach (var l in level)
        {
            start[l + 1]++;
        }
        for (var l = 0; l < levels; l++)
        {
            start[l + 1] += start[l];
        }
        var fill = start[..levels];
        var byLevel = new int[n];
        foreach (var i in order)
        {
            byLevel[fill[level[i]]++] = i;
        }
        // Each slot is written by one worker; a level starts only after the one before has returned, so it sees
        // every identity it needs.
        for (var l = 0; l < levels; l++)
        {
            Parallelism.For(start[l], start[l + 1], NewSha256, (k, sha256) =>
                identities[byLevel[k]] = Compute(tasks[byLevel[k]], inputs[byLevel[k]], identities, sha256));
        }
        return identities;
    }

    private static TaskIdentity Compute(ExpandedTask task, int[] inputs, TaskIdentity[] identities, IncrementalHash sha256) =>
        task.Entry.Template.IdentityEncoder.Compute(task.Values, inputs, identities, sha256);

    private static IncrementalHash NewSha256() => IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
}
