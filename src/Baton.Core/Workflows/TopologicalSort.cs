using Baton.Core.Errors;

namespace Baton.Core.Workflows;

/// <summary>
/// Kahn's algorithm, stable: among the tasks whose upstreams are all placed, the one declared first goes next, so a
/// file whose tasks are already declared after their upstreams keeps its order exactly. Ready tasks are found by a
/// scan in declaration order; only a task that becomes ready after the scan has passed it waits in a heap. That
/// keeps the common case linear in tasks + edges (a heap operation only for tasks declared before an upstream).
/// </summary>
internal static class TopologicalSort
{
    /// <summary>Declaration indices in topological order; throws naming a cycle when there is one.</summary>
    /// <param name="upstream">For each task, the indices of its upstream tasks (no duplicates).</param>
    /// <param name="names">Task names, for the cycle message.</param>
    /// <param name="locations">Task locations, for the cycle message.</param>
    public static int[] Order(IReadOnlyList<int[]> upstream, Func<int, string> names, Func<int, SourceLocation> locations)
    {
        var n = upstream.Count;
        var (offsets, downstream) = Downstream(upstream);
        var remaining = new int[n];
        for (var i = 0; i < n; i++)
        {
            remaining[i] = upstream[i].Length;
        }
        var order = new int[n];
        var placed = 0;
        var scan = 0;
        var passed = new PriorityQueue<int, int>();
        while (true)
        {
            int next;
            if (passed.Count > 0)
            {
                // Every waiting task was declared before the scan position, hence before any task the scan finds.
                next = passed.Dequeue();
            }
            else
            {
                while (scan < n && remaining[scan] != 0)
                {
                    scan++;
                }
                if (scan == n)
                {
                    break;
                }
                next = scan++;
            }
            order[placed++] = next;
            for (var e = offsets[next]; e < offsets[next + 1]; e++)
            {
                var d = downstream[e];
                if (--remaining[d] == 0 && d < scan)
                {
                    passed.Enqueue(d, d);
                }
            }
        }
        if (placed < n)
        {
            var cycle = FindCycle(upstream, remaining);
            throw WorkflowErrors.At(locations(cycle[0]), "dependency cycle: " + string.Join(" -> ", cycle.Append(cycle[0]).Select(names)));
        }
        return order;
    }

    // The reverse edges in compressed form: downstream[offsets[u] .. offsets[u + 1]) are the tasks that run after u.
    private static (int[] Offsets, int[] Downstream) Downstream(IReadOnlyList<int[]> upstream)
    {
        var n = upstream.Count;
        var offsets = new int[n + 1];
        foreach (var ups in upstream)
        {
            foreach (var u in ups)
            {
                offsets[u + 1]++;
            }
        }
        for (var i = 0; i < n; i++)
        {
            offsets[i + 1] += offsets[i];
        }
        var fill = offsets[..n];
        var downstream = new int[offsets[n]];
        for (var d = 0; d < n; d++)
        {
            foreach (var u in upstream[d])
            {
                downstream[fill[u]++] = d;
            }
        }
        return (offsets, downstream);
    }

    /// <summary>
    /// One concrete cycle among the tasks Kahn could not place, in run order (each runs before the next), starting
    /// with the one declared first. Every unplaced task has an unplaced upstream, so walking from one unplaced
    /// upstream to the next must come back to a task already on the walk: a loop, not recursion, so that a cycle
    /// through 100,000 tasks cannot overflow the stack.
    /// </summary>
    private static int[] FindCycle(IReadOnlyList<int[]> upstream, int[] remaining)
    {
        var start = Array.FindIndex(remaining, r => r > 0);
        var positionOnWalk = new Dictionary<int, int>();
        var walk = new List<int>();
        var current = start;
        while (!positionOnWalk.ContainsKey(current))
        {
            positionOnWalk.Add(current, walk.Count);
            walk.Add(current);
            current = Array.Find(upstream[current], u => remaining[u] > 0);
        }
        // The walk goes upstream; reverse it to read in run order, then start at the earliest-declared task.
        var cycle = walk.GetRange(positionOnWalk[current], walk.Count - positionOnWalk[current]);
        cycle.Reverse();
        var first = cycle.IndexOf(cycle.Min());
        return [.. cycle.Skip(first), .. cycle.Take(first)];
    }
}
