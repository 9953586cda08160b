using System.Collections.Concurrent;
using Baton.Core.Lifecycle;

namespace Baton.Engine.Runs;

/// <summary>
/// Live counts of a run, per state and per template, read by a host to draw progress while the run loop updates
/// them. Reads are lock-free and may be a moment stale; they are for display.
/// </summary>
public sealed class RunProgress
{
    private StateCounts _all = new();
    private TemplateProgress[] _templates = [];
    private int _attemptsStarted;
    private string[] _notices = [];

    // The tasks running now and since when: the loop writes, the display reads the longest-running few.
    private ConcurrentDictionary<string, DateTimeOffset> _running = new(StringComparer.Ordinal);

    /// <summary>Per template, in order of first appearance in the workflow.</summary>
    public IReadOnlyList<TemplateProgress> Templates => Volatile.Read(ref _templates);

    public int Count(TaskState state) => Volatile.Read(ref _all).Count(state);

    public int Total => Volatile.Read(ref _all).Total;

    /// <summary>Tasks that were already Done when the run started: they do not run again.</summary>
    public int AlreadyDone => Volatile.Read(ref _all).AlreadyDone;

    /// <summary>Attempts started by this run.</summary>
    public int AttemptsStarted => Volatile.Read(ref _attemptsStarted);

    /// <summary>The counts now, to send to a client that draws them in another process.</summary>
    public RunProgressSnapshot Snapshot()
    {
        var states = Enum.GetValues<TaskState>();
        return new RunProgressSnapshot(
            Templates.Select(t => new TemplateProgressSnapshot(t.Name, t.AlreadyDone, states.Select(t.Count).ToArray())).ToArray(),
            AttemptsStarted)
        {
            Notices = Notices,
            LongestRunning = LongestRunning(SnapshotRunningCount),
        };
    }

    /// <summary>Replaces the counts with a snapshot the node sent: a client's copy of a run's progress.</summary>
    public void Load(RunProgressSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var all = new StateCounts();
        var templates = new TemplateProgress[snapshot.Templates.Count];
        for (var i = 0; i < templates.Length; i++)
        {
            var template = snapshot.Templates[i];
            templates[i] = new TemplateProgress(template.Name);
            templates[i].Counts.Load(template.Counts, template.AlreadyDone);
            all.Load(template.Counts, template.AlreadyDone);
        }
        Volatile.Write(ref _attemptsStarted, snapshot.AttemptsStarted);
        Volatile.Write(ref _notices, snapshot.Notices.ToArray());
        Volatile.Write(ref _running, new ConcurrentDictionary<string, DateTimeOffset>(
            snapshot.LongestRunning.Select(r => KeyValuePair.Create(r.Task, r.StartedAt)), StringComparer.Ordinal));
        Volatile.Write(ref _all, all);
        Volatile.Write(ref _templates, templates);
    }

    /// <summary>How many of the longest-running tasks a snapshot carries.</summary>
    public const int SnapshotRunningCount = 5;

    /// <summary>The <paramref name="count"/> tasks that have been running longest, longest first.</summary>
    public IReadOnlyList<RunningTask> LongestRunning(int count) =>
        // ToArray first: the dictionary's own copy is consistent, while LINQ sizes its buffers from Count and then
        // enumerates, which throws when the loop starts or ends a task in between (it cut follow streams).
        Volatile.Read(ref _running).ToArray()
            .OrderBy(r => r.Value)
            .ThenBy(r => r.Key, StringComparer.Ordinal)
            .Take(count)
            .Select(r => new RunningTask(r.Key, r.Value))
            .ToArray();

    /// <summary>
    /// What a host should tell the user about the run as it starts, in order: a new version of the workflow and how
    /// it differs, tasks that run again although they were Done.
    /// </summary>
    public IReadOnlyList<string> Notices => Volatile.Read(ref _notices);

    internal void Notice(string text)
    {
        // Written before the loop starts, read by the display: copy on write keeps reads lock-free.
        string[] before, after;
        do
        {
            before = Volatile.Read(ref _notices);
            after = [.. before, text];
        }
        while (Interlocked.CompareExchange(ref _notices, after, before) != before);
    }

    internal void Initialize(IReadOnlyList<string> templateNames, int[] taskTemplate, TaskState[] states)
    {
        var templates = templateNames.Select(n => new TemplateProgress(n)).ToArray();
        for (var t = 0; t < taskTemplate.Length; t++)
        {
            templates[taskTemplate[t]].Counts.Seed(states[t]);
            _all.Seed(states[t]);
        }
        Volatile.Write(ref _templates, templates);
    }

    /// <summary>Counts the tasks from <paramref name="from"/> on, added while the run goes on.</summary>
    internal void Extend(IReadOnlyList<string> templateNames, int[] taskTemplate, TaskState[] states, int from)
    {
        var old = Volatile.Read(ref _templates);
        var templates = old.Concat(templateNames.Skip(old.Length).Select(n => new TemplateProgress(n))).ToArray();
        for (var t = from; t < taskTemplate.Length; t++)
        {
            templates[taskTemplate[t]].Counts.Seed(states[t]);
            _all.Seed(states[t]);
        }
        Volatile.Write(ref _templates, templates);
    }

    internal void Move(int template, TaskState from, TaskState to)
    {
        _all.Move(from, to);
        _templates[template].Counts.Move(from, to);
    }

    /// <summary>Moves <paramref name="task"/> from one state to another at <paramref name="at"/>, keeping track of when it started running.</summary>
    internal void Move(int template, TaskState from, TaskState to, string task, DateTimeOffset at)
    {
        Move(template, from, to);
        if (to == TaskState.Running)
        {
            _running[task] = at;
        }
        else if (from == TaskState.Running)
        {
            _running.TryRemove(task, out _);
        }
    }

    internal void AttemptStarted() => Interlocked.Increment(ref _attemptsStarted);
}

/// <summary>Progress of the tasks of one template.</summary>
public sealed class TemplateProgress(string name)
{
    public string Name { get; } = name;

    internal StateCounts Counts { get; } = new();

    public int Total => Counts.Total;

    public int AlreadyDone => Counts.AlreadyDone;

    public int Count(TaskState state) => Counts.Count(state);

    /// <summary>Submitted, running or being killed.</summary>
    public int Active => Count(TaskState.Submitted) + Count(TaskState.Running) + Count(TaskState.Killing);
}

/// <summary>Thread-safe counts of tasks per state.</summary>
internal sealed class StateCounts
{
    private readonly int[] _counts = new int[Enum.GetValues<TaskState>().Length];

    public int Total { get; private set; }

    public int AlreadyDone { get; private set; }

    public int Count(TaskState state) => Volatile.Read(ref _counts[(int)state]);

    public void Seed(TaskState state)
    {
        _counts[(int)state]++;
        Total++;
        if (state == TaskState.Done)
        {
            AlreadyDone++;
        }
    }

    /// <summary>Adds counts per state (indexed by <see cref="TaskState"/>) read from a snapshot.</summary>
    public void Load(IReadOnlyList<int> counts, int alreadyDone)
    {
        for (var s = 0; s < counts.Count && s < _counts.Length; s++)
        {
            _counts[s] += counts[s];
            Total += counts[s];
        }
        AlreadyDone += alreadyDone;
    }

    public void Move(TaskState from, TaskState to)
    {
        Interlocked.Decrement(ref _counts[(int)from]);
        Interlocked.Increment(ref _counts[(int)to]);
    }
}

/// <summary>A run's progress at one moment: per template, the number of tasks in each state (indexed by <see cref="TaskState"/>).</summary>
public sealed record RunProgressSnapshot(IReadOnlyList<TemplateProgressSnapshot> Templates, int AttemptsStarted)
{
    /// <summary>What the host should tell the user about the run (<see cref="RunProgress.Notices"/>).</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];

    /// <summary>The tasks that have been running longest, longest first (at most <see cref="RunProgress.SnapshotRunningCount"/>).</summary>
    public IReadOnlyList<RunningTask> LongestRunning { get; init; } = [];
}

/// <summary>A task that is running and since when.</summary>
public sealed record RunningTask(string Task, DateTimeOffset StartedAt);

/// <summary>One template's counts in a <see cref="RunProgressSnapshot"/>.</summary>
public sealed record TemplateProgressSnapshot(string Name, int AlreadyDone, IReadOnlyList<int> Counts);
