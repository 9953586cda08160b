using System.Reflection;
using System.Text;
using System.Threading.Channels;
using Baton.Core.Commands;
using Baton.Core.Graph;
using Baton.Core.Resources;
using Baton.Engine.Runs;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
using Baton.Experiments.Configs;
using Baton.Experiments.Execution;
using Baton.Experiments.Identity;
using Baton.Experiments.Serialization;
using Microsoft.Extensions.Logging;

namespace Baton.Experiments.Experiments;

/// <summary>
/// An experiment: one run of a workflow named after it, to which typed tasks are submitted while it runs
/// (experimaestro's <c>experiment</c>). Each submit computes the task's identity at once; a task already Done in the
/// workspace never runs again; tasks run in their own processes, started from this program's task-execution mode.
/// <code>
/// await using var xp = await Experiment.StartAsync(new ExperimentOptions { Name = "sweep" });
/// var learned = xp.Submit(new Learn { Rate = 0.1 });
/// xp.Submit(new Evaluate { Model = learned.Task });
/// var summary = await xp.WaitAsync();
/// </code>
/// </summary>
public sealed partial class Experiment : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly ExperimentOptions _options;
    private readonly ExperimentWorkspace _workspace;
    private readonly BatonNode _node;
    private NodeServer? _server;
    private readonly ResourceCapacity _capacity;
    private readonly IReadOnlyList<string> _program;
    private readonly ILogger _logger;
    private readonly ConfigModels _models = new();
    private readonly List<SubmittedTask> _tasks = [];
    private readonly Dictionary<string, SubmittedTask> _byIdentity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TemplateSpec> _templates = new(StringComparer.Ordinal);
    private readonly Channel<Action> _callbacks = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<RunChange> _additions = Channel.CreateUnbounded<RunChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Exception> _callbackErrors = [];
    // Cancelled on dispose: an add may wait for tasks another run holds, and disposing must not wait for that run.
    private readonly CancellationTokenSource _stopAdding = new();
    private OpenRun _run = null!;
    private Task _callbackPump = Task.CompletedTask;
    private Task _adder = Task.CompletedTask;
    private Exception? _broken;
    private bool _ending;

    private Experiment(ExperimentOptions options, ExperimentWorkspace workspace, BatonNode node, ResourceCapacity capacity, IReadOnlyList<string> program, ILogger logger)
    {
        _options = options;
        _workspace = workspace;
        _node = node;
        _capacity = capacity;
        _program = program;
        _logger = logger;
    }

    public string Name => _options.Name;

    /// <summary>The workspace directory.</summary>
    public string Workspace => _workspace.Layout.Root;

    /// <summary>Live counts of the run, for display.</summary>
    public RunProgress Progress => _run.Progress;

    /// <summary>
    /// Submits a task: computes its identity (throwing <see cref="ConfigException"/> for a bad configuration),
    /// generates its paths in its task directory, records what it depends on, and hands it to the run. Returns at
    /// once; the task starts when its dependencies are Done. Submitting a task with the same identity again returns
    /// the same task.
    /// </summary>
    public Submitted<T> Submit<T>(T task, SubmitOptions? options = null) where T : TaskConfig
    {
        ArgumentNullException.ThrowIfNull(task);
        options ??= new SubmitOptions();
        lock (_gate)
        {
            if (_broken is not null)
            {
                throw new InvalidOperationException($"experiment '{Name}' cannot take tasks: {_broken.Message}", _broken);
            }
            if (_ending)
            {
                throw new InvalidOperationException($"experiment '{Name}' has ended");
            }
            task.InitTasks = options.InitTasks;
            var model = _models.For(task.GetType());
            var identity = new ConfigIdentity(_models).Compute(task);
            var resumable = task is ResumableTaskConfig;
            var maxRetries = resumable ? options.MaxRetries ?? _options.MaxRetries ?? _workspace.MaxRetries ?? ExperimentWorkspace.DefaultMaxRetries : 0;
            if (_byIdentity.TryGetValue(identity.Hex, out var existing))
            {
                // The same task again: it is one task, and the higher max_retries wins (handed to the run in order,
                // after the task itself).
                if (resumable)
                {
                    _additions.Writer.TryWrite(new RetriesRaised(existing.Submission.Index, maxRetries));
                }
                task.SubmittedAs = existing.Submission;
                return new Submitted<T>(existing, task, task.Outputs(new Dependency(existing.Submission)));
            }
            var resources = options.Resources ?? ResourceRequest.Default;
            if (!_capacity.CanEverFit(resources))
            {
                throw new ConfigException($"{task.GetType().FullName}: needs {resources} but the experiment may use {_capacity.Cpus} cpus and {ResourceParser.FormatMemory(_capacity.MemoryBytes)}");
            }
            var directory = _workspace.Layout.TaskDirectory(model.Id, identity);
            var index = _tasks.Count;
            var submission = new Submission(identity, task, index, this);
            // Checked in full before anything is changed: a refused submit leaves the configurations as they were.
            var upstream = Walk(task, directory, generate: false);
            var name = options.Name ?? $"{task.GetType().Name}-{identity.ShortHex}";
            if (_tasks.Any(t => t.Name == name))
            {
                throw new ConfigException($"{task.GetType().FullName}: another task of experiment '{Name}' is already named '{name}'");
            }
            Walk(task, directory, generate: true);
            var tags = Tags(task);
            var header = new TaskHeader(identity, name, Name, _workspace.Layout.Root, directory, resumable, tags, SubmitHooks(task));
            var parameters = ParamsFile.Write(header, task, _models);
            var spec = new TaskSpec
            {
                Name = name,
                Template = Template(model.Id),
                Identity = identity,
                Command = new TaskCommand(Template(model.Id).Command, new Dictionary<string, string>()),
                Resources = resources,
                MaxAttempts = 1,
                Priority = 0,
                TimeoutRetries = maxRetries,
                TimeoutExitCode = TaskProcess.GracefulTimeoutExitCode,
                Tags = [.. tags.Select(t => $"{t.Key}={t.Value}")],
            };
            var entry = new SubmittedTask(this, submission, name, directory);
            task.SubmittedAs = submission;
            _tasks.Add(entry);
            _byIdentity.Add(identity.Hex, entry);
            var output = task.Outputs(new Dependency(submission));
            _additions.Writer.TryWrite(new TaskAdded(spec, upstream, parameters, index));
            return new Submitted<T>(entry, task, output);
        }
    }

    /// <summary>
    /// Waits until every task submitted so far (and those that callbacks submit meanwhile) has ended and its callbacks
    /// have run, without ending the experiment: more tasks may be submitted after (a final comparison).
    /// </summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task[] finished;
            int count;
            lock (_gate)
            {
                count = _tasks.Count;
                finished = [.. _tasks.Select(t => t.Finished.Task)];
            }
            await Task.WhenAll(finished).WaitAsync(cancellationToken);
            // Let the callbacks already queued run (they may submit more), then look again.
            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() => drained.TrySetResult());
            await drained.Task.WaitAsync(cancellationToken);
            lock (_gate)
            {
                if (_tasks.Count == count)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Waits as <see cref="WhenIdleAsync"/> does, then ends the run and returns its summary. Failed tasks do not throw:
    /// the summary counts them. Throws when a callback threw.
    /// </summary>
    public async Task<RunSummary> WaitAsync(CancellationToken cancellationToken = default)
    {
        await WhenIdleAsync(cancellationToken);
        lock (_gate)
        {
            _ending = true;
        }
        _additions.Writer.TryComplete();
        await _adder;
        var summary = await _run.CompleteAsync();
        if (_callbackErrors.Count > 0)
        {
            throw new AggregateException($"experiment '{Name}': {_callbackErrors.Count} callback(s) threw", _callbackErrors);
        }
        return summary;
    }

    /// <summary>Queues work for the callback thread (callbacks, output reads, state changes): one at a time, in order.</summary>
    internal void Post(Action action) => _callbacks.Writer.TryWrite(action);

    /// <summary>Runs a user callback; what it throws is kept for <see cref="WaitAsync"/>, not lost and not fatal.</summary>
    internal void Guard(Action callback)
    {
        try
        {
            callback();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCallbackFailed(_logger, ex, Name);
            lock (_gate)
            {
                _callbackErrors.Add(ex);
            }
        }
    }

    private void OnMoved(TaskMoved moved)
    {
        SubmittedTask entry;
        lock (_gate)
        {
            entry = _tasks[moved.Task];
        }
        if (moved.State == Core.Lifecycle.TaskState.Running)
        {
            Post(() => entry.Started(moved.Attempt));
            return;
        }
        Post(() => entry.Settle(moved.State));
    }

    private async Task PumpCallbacksAsync()
    {
        await foreach (var action in _callbacks.Reader.ReadAllAsync(CancellationToken.None))
        {
            Guard(action);
        }
    }

    /// <summary>What the submitting side hands to the run, in order.</summary>
    private abstract record RunChange;

    private sealed record TaskAdded(TaskSpec Spec, int[] Upstream, string Params, int Index) : RunChange;

    private sealed record RetriesRaised(int Index, int MaxRetries) : RunChange;

    /// <summary>Hands submitted tasks to the run in submission order, as many at a time as have queued up.</summary>
    private async Task AddTasksAsync()
    {
        var batch = new List<TaskAdded>();
        while (await _additions.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            try
            {
                while (_additions.Reader.TryPeek(out var next))
                {
                    if (next is TaskAdded added)
                    {
                        batch.Add(added);
                        _additions.Reader.TryRead(out _);
                        continue;
                    }
                    // A raise applies to a task handed over before it: flush the batch first.
                    await FlushAsync(batch);
                    var raised = (RetriesRaised)next;
                    await _run.RaiseTimeoutRetriesAsync(raised.Index, raised.MaxRetries, _stopAdding.Token);
                    _additions.Reader.TryRead(out _);
                }
                await FlushAsync(batch);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                lock (_gate)
                {
                    _broken = ex;
                }
                if (!_stopAdding.IsCancellationRequested)
                {
                    LogAddFailed(_logger, ex, Name);
                }
                foreach (var item in batch)
                {
                    _tasks[item.Index].Finished.TrySetException(ex);
                }
                while (_additions.Reader.TryRead(out var late))
                {
                    if (late is TaskAdded lost)
                    {
                        _tasks[lost.Index].Finished.TrySetException(ex);
                    }
                }
            }
        }
    }

    private async Task FlushAsync(List<TaskAdded> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }
        var first = await _run.AddAsync([.. batch.Select(b => b.Spec)], [.. batch.Select(b => b.Upstream)], [.. batch.Select(b => b.Params)], _stopAdding.Token);
        if (first != batch[0].Index)
        {
            throw new InvalidOperationException($"task {batch[0].Spec.Name} became task {first} of the run, not {batch[0].Index}");
        }
        batch.Clear();
    }

    /// <summary>
    /// Walks the task's configurations: generates the paths still unset into the task directory and returns the
    /// tasks it waits for (those whose outputs it uses, except dynamic outputs). Throws for an output of a task of
    /// another experiment.
    /// </summary>
    private int[] Walk(TaskConfig task, string directory, bool generate)
    {
        var upstream = new SortedSet<int>();
        var seen = new HashSet<Config>(ReferenceEqualityComparer.Instance);
        void Visit(Config config)
        {
            if (!seen.Add(config))
            {
                return;
            }
            if (config.Producer is { } producer && !ReferenceEquals(producer.Task, task))
            {
                if (!ReferenceEquals(producer.Experiment, this))
                {
                    throw new ConfigException($"{config.GetType().FullName}: an output of a task that was not submitted to experiment '{Name}'");
                }
                if (!config.SoftProducer)
                {
                    upstream.Add(producer.Index);
                }
                // The producer's own configuration is its business: its generated paths are in its directory.
                return;
            }
            if (config is TaskConfig { SubmittedAs: null } unsubmitted && !ReferenceEquals(config, task))
            {
                throw new ConfigException(
                    $"{task.GetType().FullName}: it uses task {unsubmitted.GetType().FullName}, which has not been submitted; submit it first and pass what Submit returns");
            }
            foreach (var parameter in _models.For(config.GetType()).Parameters)
            {
                if (generate && parameter.Kind == ParameterKind.Generated && parameter.Get(config) is null)
                {
                    var path = Path.Combine(directory, parameter.GeneratedPath!);
                    parameter.Property.SetValue(config, parameter.Shape.Type == typeof(string) ? path
                        : parameter.Shape.Type == typeof(FileInfo) ? new FileInfo(path) : new DirectoryInfo(path));
                }
            }
            foreach (var child in _models.Children(config))
            {
                Visit(child);
            }
        }
        Visit(task);
        return [.. upstream];
    }


    /// <summary>
    /// The tags of the configurations the task reaches (experimaestro's <c>tags()</c>): a configuration's own tags
    /// win over those it reaches; a tag that configurations it reaches give different values (a comparison of
    /// several runs) is left out.
    /// </summary>
    private IReadOnlyList<KeyValuePair<string, string>> Tags(Config config) => [.. CollectTags(config, new HashSet<Config>(ReferenceEqualityComparer.Instance))];

    private SortedDictionary<string, string> CollectTags(Config config, HashSet<Config> seen)
    {
        var reached = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!seen.Add(config))
        {
            return reached;
        }
        var conflicting = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in _models.Children(config, initTasks: false))
        {
            foreach (var (k, v) in CollectTags(child, seen))
            {
                if (reached.TryGetValue(k, out var other) && other != v)
                {
                    conflicting.Add(k);
                }
                reached[k] = v;
            }
        }
        foreach (var k in conflicting)
        {
            reached.Remove(k);
        }
        foreach (var (k, v) in config.OwnTags)
        {
            reached[k] = v;
        }
        return reached;
    }

    /// <summary>Applies the submit hooks found on the classes the task reaches, once per distinct hook and spec.</summary>
    private Dictionary<string, string> SubmitHooks(TaskConfig task)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var applied = new HashSet<(Type, string)>();
        var seen = new HashSet<Config>(ReferenceEqualityComparer.Instance);
        void Visit(Config config)
        {
            if (!seen.Add(config))
            {
                return;
            }
            foreach (var hook in config.GetType().GetCustomAttributes<SubmitHookAttribute>(inherit: true))
            {
                if (applied.Add((hook.GetType(), hook.Spec)))
                {
                    hook.Apply(environment);
                }
            }
            foreach (var child in _models.Children(config))
            {
                Visit(child);
            }
        }
        Visit(task);
        return environment;
    }

    /// <summary>One template per task class: this program in task-execution mode, with the task directory and attempt.</summary>
    private TemplateSpec Template(string id)
    {
        if (!_templates.TryGetValue(id, out var template))
        {
            var command = new StringBuilder();
            foreach (var word in _program)
            {
                command.Append('"').Append(word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\" ");
            }
            command.Append(TaskProcess.Flag).Append(" {task_dir} {attempt}");
            template = new TemplateSpec { Name = id, Command = CommandTemplate.Parse(command.ToString()), Resources = ResourceRequest.Default, MaxAttempts = 1 };
            _templates.Add(id, template);
        }
        return template;
    }

    /// <summary>This program: its apphost, or <c>dotnet</c> and the entry assembly when started through the muxer.</summary>
    private static IReadOnlyList<string> ThisProgram()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this program is unknown; set ExperimentOptions.TaskProgram");
        var entry = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && !string.IsNullOrEmpty(entry) ? [process, entry] : [process];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "experiment {Experiment}: a callback threw")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception, string experiment);

    [LoggerMessage(Level = LogLevel.Error, Message = "experiment {Experiment}: tasks could not be added to the run")]
    private static partial void LogAddFailed(ILogger logger, Exception exception, string experiment);
}
