using System.Text.Json;
using Baton.Core.Identity;
using Baton.Core.Lifecycle;
using Baton.Experiments.Configs;

namespace Baton.Experiments.Experiments;

/// <summary>
/// A task submitted to an experiment (experimaestro's <c>TaskOutput</c>). <see cref="Task"/> and
/// <see cref="Output"/> can be passed as parameters to other tasks: those wait for this one and their identity
/// includes its own.
/// </summary>
public sealed class Submitted<T> where T : TaskConfig
{
    internal Submitted(SubmittedTask entry, T task, Config output)
    {
        Entry = entry;
        Task = task;
        Output = output;
    }

    internal SubmittedTask Entry { get; }

    /// <summary>The submitted task, marked as its own output unless <see cref="TaskConfig.Outputs"/> says otherwise.</summary>
    public T Task { get; }

    /// <summary>What <see cref="TaskConfig.Outputs"/> returned (the task itself by default).</summary>
    public Config Output { get; }

    public TaskIdentity Identity => Entry.Submission.Identity;

    /// <summary>The task's name in <c>baton ls</c>.</summary>
    public string Name => Entry.Name;

    /// <summary>The task directory: <c>&lt;workspace&gt;/tasks/&lt;type&gt;/&lt;identity&gt;</c>.</summary>
    public string Directory => Entry.Directory;

    /// <summary>The output as the type <see cref="TaskConfig.Outputs"/> returns.</summary>
    public TOutput OutputAs<TOutput>() where TOutput : Config =>
        Output as TOutput ?? throw new ConfigException($"{typeof(T).FullName}: its output is a {Output.GetType().Name}, not a {typeof(TOutput).Name}");

    /// <summary>
    /// Completes with the task's final state (Done, Failed or Killed) once its <see cref="OnCompleted"/> callbacks and
    /// the callbacks of its watched outputs have run.
    /// </summary>
    public Task<TaskState> Completion => Entry.Finished.Task;

    /// <summary>
    /// Calls <paramref name="callback"/> in this process when the task is Done (at once if it already is). Callbacks
    /// run one at a time on the experiment's callback thread; they may submit tasks.
    /// </summary>
    public Submitted<T> OnCompleted(Action callback)
    {
        Entry.AddCompletionCallback(callback);
        return this;
    }

    /// <summary>
    /// Calls <paramref name="callback"/> in this process with the attempt's number each time an attempt of the task
    /// starts running (a retry starts a new one): a typed task's <c>on_start</c>. Attempts that started before the
    /// callback was added are not told again.
    /// </summary>
    public Submitted<T> OnStarted(Action<int> callback)
    {
        Entry.AddStartCallback(callback);
        return this;
    }

    /// <summary>
    /// Calls <paramref name="callback"/> in this process when the task ends Failed (after its last attempt), at once if
    /// it already has: a typed task's <c>on_failure</c>. Runs on the callback thread, like <see cref="OnCompleted"/>.
    /// </summary>
    public Submitted<T> OnFailed(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Entry.AddEndCallback(state =>
        {
            if (state == TaskState.Failed)
            {
                callback();
            }
        });
        return this;
    }

    /// <summary>
    /// Calls <paramref name="callback"/> with the task's final state (Done, Failed or Killed) once it has one, after
    /// its <see cref="OnCompleted"/> callbacks: a typed task's <c>on_end</c>.
    /// </summary>
    public Submitted<T> OnEnded(Action<TaskState> callback)
    {
        Entry.AddEndCallback(callback);
        return this;
    }

    /// <summary>
    /// Calls <paramref name="callback"/> for each output the running task registers under <paramref name="name"/>
    /// with <see cref="Execution.TaskContext.RegisterOutput{TEvent}"/> (e.g. a checkpoint every N steps), while the
    /// task still runs; events recorded before (an earlier run of the experiment) are replayed. The
    /// <see cref="Dependency"/> marks configurations built from the event as outputs of this task without waiting for
    /// it to end. Only for resumable tasks. The experiment does not end before the callbacks have run.
    /// </summary>
    public Submitted<T> WatchOutput<TEvent>(string name, Action<TEvent, Dependency> callback)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(callback);
        if (Task is not ResumableTaskConfig)
        {
            throw new ConfigException($"{typeof(T).FullName}: outputs can be watched only on a ResumableTaskConfig");
        }
        Entry.AddOutputWatcher(name, (json, dependency) =>
            callback(json.Deserialize<TEvent>(Execution.TaskOutputs.Json)
                ?? throw new ConfigException($"{typeof(T).FullName}: output '{name}' recorded null"), dependency));
        return this;
    }
}
