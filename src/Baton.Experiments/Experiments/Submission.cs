using Baton.Core.Identity;
using Baton.Experiments.Configs;

namespace Baton.Experiments.Experiments;

/// <summary>
/// A submitted task as the configurations it produced know it: its identity and, in the submitting process, the
/// task object and its place in the experiment (null in a task process, where only the identity matters).
/// </summary>
internal sealed class Submission(TaskIdentity identity, TaskConfig? task, int index, Experiment? experiment = null)
{
    /// <summary>The experiment it was submitted to; null in a task process.</summary>
    public Experiment? Experiment { get; } = experiment;

    public TaskIdentity Identity { get; } = identity;

    public TaskConfig? Task { get; } = task;

    /// <summary>The task's index in the experiment; -1 in a task process.</summary>
    public int Index { get; } = index;
}

/// <summary>
/// Handed to <see cref="TaskConfig.Outputs"/>: marks the configurations that depend on the task being submitted
/// (experimaestro's <c>dep</c>). A marked configuration makes each task that uses it wait for this task, and its
/// identity includes this task's.
/// </summary>
public sealed class Dependency
{
    internal Dependency(Submission submission, bool soft = false)
    {
        Submission = submission;
        Soft = soft;
    }

    internal Submission Submission { get; }

    /// <summary>
    /// A dynamic output's dependency: the identity of a marked configuration includes the task's, but its consumers
    /// do not wait for the task to end (the checkpoint exists while training goes on).
    /// </summary>
    internal bool Soft { get; }

    /// <summary>Marks <paramref name="config"/> as an output of the task and returns it.</summary>
    public T On<T>(T config) where T : Config
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Producer = Submission;
        config.SoftProducer = Soft;
        return config;
    }
}
