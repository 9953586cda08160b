using System.Collections.Concurrent;

namespace Baton.Core.Workflows;

/// <summary>Runs independent per-task work in parallel chunks when there is enough of it to pay for the threads.</summary>
internal static class Parallelism
{
    /// <summary>Below this many items, starting parallel work costs more than it saves.</summary>
    public const int Threshold = 4096;

    private const int Chunk = 1024;

    /// <summary>
    /// Calls <paramref name="body"/> for every index in [from, to). Each call must touch only its own index's
    /// slots; everything written is visible to the caller when this returns. The body must not throw: user errors
    /// are found before (or after, in order) so that the first one in the file is the one reported.
    /// </summary>
    public static void For(int from, int to, Action<int> body)
    {
        if (to - from < Threshold)
        {
            for (var i = from; i < to; i++)
            {
                body(i);
            }
            return;
        }
        Parallel.ForEach(Partitioner.Create(from, to, Chunk), range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                body(i);
            }
        });
    }

    /// <summary>
    /// As <see cref="For(int, int, Action{int})"/>, with a scratch object made by <paramref name="create"/> for each
    /// chunk of indices (one worker runs a chunk), passed to every call in it and disposed after it.
    /// </summary>
    public static void For<TScratch>(int from, int to, Func<TScratch> create, Action<int, TScratch> body)
        where TScratch : IDisposable
    {
        if (to - from < Threshold)
        {
            using var scratch = create();
            for (var i = from; i < to; i++)
            {
                body(i, scratch);
            }
            return;
        }
        Parallel.ForEach(Partitioner.Create(from, to, Chunk), range =>
        {
            using var scratch = create();
            for (var i = range.Item1; i < range.Item2; i++)
            {
                body(i, scratch);
            }
        });
    }
}
