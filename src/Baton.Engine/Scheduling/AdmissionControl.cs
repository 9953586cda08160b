using Baton.Core.Errors;
using Baton.Core.Graph;

namespace Baton.Engine.Scheduling;

/// <summary>
/// The admission checks the dispatcher makes besides cores and memory: concurrency limits (jobmon's
/// <c>max_concurrently_running</c>, per workflow and per template) and named counting resources (experimaestro's
/// tokens, such as <c>license: 2</c>). A task that a limit holds back is parked under that limit and handed back
/// when a slot of it frees, so a limit of 2 over 10,000 ready tasks costs O(1) per start, not a pass over them.
/// Lowering a limit never stops running tasks: it only holds back new starts until fewer run.
/// </summary>
internal sealed class AdmissionControl
{
    private const int WorkflowKey = 0;

    private readonly List<Limit> _limits;
    // Per task; grown by Extend when a run takes tasks as it goes.
    private int[] _templateKey;
    private (int Key, int Amount)[][] _tokens;
    private readonly Dictionary<string, int> _templateKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _tokenKeys = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, int> _tokenCapacity;

    /// <param name="templateOf">Each task's template, as an index into <paramref name="templateNames"/>.</param>
    /// <param name="tokenCapacity">The tokens the workspace declares, and how many of each.</param>
    public AdmissionControl(WorkflowGraph graph, IReadOnlyList<string> templateNames, int[] templateOf, IReadOnlyDictionary<string, int> tokenCapacity)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var limits = new List<Limit> { new("the workflow", graph.MaxConcurrent ?? int.MaxValue) };
        var templateMax = new int?[templateNames.Count];
        for (var t = 0; t < graph.Tasks.Count; t++)
        {
            templateMax[templateOf[t]] ??= graph.Tasks[t].Template.MaxConcurrent;
        }
        for (var i = 0; i < templateNames.Count; i++)
        {
            _templateKeys[templateNames[i]] = limits.Count;
            limits.Add(new($"template '{templateNames[i]}'", templateMax[i] ?? int.MaxValue));
        }
        foreach (var (name, capacity) in tokenCapacity.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            _tokenKeys[name] = limits.Count;
            limits.Add(new($"token '{name}'", capacity));
        }
        _limits = limits;
        _tokenCapacity = tokenCapacity;
        _templateKey = templateOf.Select(i => i + 1).ToArray();
        CheckTokens(graph, tokenCapacity);
        _tokens = graph.Tasks.Select(task => task.Tokens.Select(kv => (_tokenKeys[kv.Key], kv.Value)).ToArray()).ToArray();
    }

    /// <summary>
    /// Takes in the tasks of <paramref name="graph"/> from <paramref name="first"/> on, added while the run goes on;
    /// a template seen for the first time gets its limit. Throws <see cref="BatonInputException"/> as
    /// <see cref="CheckTokens"/> does.
    /// </summary>
    public void Extend(WorkflowGraph graph, IReadOnlyList<string> templateNames, int[] templateOf, int first)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(templateNames);
        ArgumentNullException.ThrowIfNull(templateOf);
        CheckTokens(graph, _tokenCapacity);
        var count = graph.Tasks.Count;
        var templateKey = new int[count];
        var tokens = new (int Key, int Amount)[count][];
        Array.Copy(_templateKey, templateKey, first);
        Array.Copy(_tokens, tokens, first);
        for (var t = first; t < count; t++)
        {
            var name = templateNames[templateOf[t]];
            if (!_templateKeys.TryGetValue(name, out var key))
            {
                key = _templateKeys[name] = _limits.Count;
                _limits.Add(new($"template '{name}'", graph.Tasks[t].Template.MaxConcurrent ?? int.MaxValue));
            }
            templateKey[t] = key;
            tokens[t] = graph.Tasks[t].Tokens.Select(kv => (_tokenKeys[kv.Key], kv.Value)).ToArray();
        }
        _templateKey = templateKey;
        _tokens = tokens;
    }

    /// <summary>
    /// Throws <see cref="BatonInputException"/> naming the first task that asks for a token the workspace does not
    /// declare, or for more of one than it has (such a task could never start).
    /// </summary>
    public static void CheckTokens(WorkflowGraph graph, IReadOnlyDictionary<string, int> tokenCapacity)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(tokenCapacity);
        foreach (var task in graph.Tasks)
        {
            foreach (var (name, amount) in task.Tokens)
            {
                if (!tokenCapacity.TryGetValue(name, out var capacity))
                {
                    throw new BatonInputException(task.Location,
                        $"task '{task.Name}' asks for token '{name}', which the workspace does not declare (add it under tokens: in settings.yaml)");
                }
                if (amount > capacity)
                {
                    throw new BatonInputException(task.Location, $"task '{task.Name}' asks for {amount} of token '{name}' but the workspace has {capacity}");
                }
            }
        }
    }

    /// <summary>
    /// Takes a slot of every limit <paramref name="t"/> falls under, or parks it under the first that is full and
    /// returns false (the caller forgets it until <see cref="Release"/> or <see cref="SetLimit"/> hands it back).
    /// </summary>
    public bool TryAdmit(int t)
    {
        if (Blocking(t) is { } key)
        {
            _limits[key].Parked.Enqueue(t);
            return false;
        }
        Occupy(t);
        return true;
    }

    /// <summary>
    /// Counts <paramref name="t"/> under its limits even past them: an attempt re-attached after a restart runs
    /// whatever the limits say, and nothing new starts under a limit until it has room again.
    /// </summary>
    public void Occupy(int t)
    {
        _limits[WorkflowKey].InUse++;
        _limits[_templateKey[t]].InUse++;
        foreach (var (token, amount) in _tokens[t])
        {
            _limits[token].InUse += amount;
        }
    }

    /// <summary>Gives back <paramref name="t"/>'s slots; adds to <paramref name="unparked"/> the tasks that may now start.</summary>
    public void Release(int t, List<int> unparked)
    {
        Give(WorkflowKey, 1, unparked);
        Give(_templateKey[t], 1, unparked);
        foreach (var (token, amount) in _tokens[t])
        {
            Give(token, amount, unparked);
        }
    }

    /// <summary>
    /// Changes the limit of the workflow (<paramref name="template"/> null) or of a template; false when the
    /// workflow has no such template. Raising it hands back the tasks parked under it.
    /// </summary>
    public bool SetLimit(string? template, int max, List<int> unparked)
    {
        if (max < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, "a concurrency limit is at least 1");
        }
        var key = WorkflowKey;
        if (template is not null && !_templateKeys.TryGetValue(template, out key))
        {
            return false;
        }
        _limits[key].Max = max;
        Give(key, 0, unparked);
        return true;
    }

    private int? Blocking(int t)
    {
        if (_limits[WorkflowKey].Full(1))
        {
            return WorkflowKey;
        }
        if (_limits[_templateKey[t]].Full(1))
        {
            return _templateKey[t];
        }
        foreach (var (token, amount) in _tokens[t])
        {
            if (_limits[token].Full(amount))
            {
                return token;
            }
        }
        return null;
    }

    private void Give(int key, int amount, List<int> unparked)
    {
        var limit = _limits[key];
        limit.InUse -= amount;
        // Hand back as many as could start now; one that another limit still holds is parked there instead.
        var free = limit.Max - limit.InUse;
        while (free-- > 0 && limit.Parked.TryDequeue(out var t))
        {
            unparked.Add(t);
        }
    }

    private sealed class Limit(string name, int max)
    {
        public string Name { get; } = name;

        public int Max { get; set; } = max;

        public int InUse { get; set; }

        public Queue<int> Parked { get; } = new();

        public bool Full(int amount) => InUse + amount > Max;

        public override string ToString() => $"{Name}: {InUse}/{Max}";
    }
}
