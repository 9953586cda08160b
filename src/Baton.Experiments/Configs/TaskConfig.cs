using Baton.Experiments.Execution;
using Baton.Experiments.Experiments;

namespace Baton.Experiments.Configs;

/// <summary>
/// A task: a configuration that can be submitted to an experiment and executed, in its own process, with the task
/// directory as working directory.
/// </summary>
public abstract class TaskConfig : Config
{
    /// <summary>Set when the task is submitted; a task used by another must have been.</summary>
    internal Submission? SubmittedAs { get; set; }

    /// <summary>Runs the task. Throw <see cref="GracefulTimeoutException"/> (resumable tasks) to end the attempt as a timeout.</summary>
    public abstract Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken);

    /// <summary>
    /// What submitting this task returns (experimaestro's <c>task_outputs(dep)</c>): by default the task itself,
    /// marked as depending on it. Override to return another configuration; every configuration passed through
    /// <paramref name="dependency"/> makes its consumers wait for this task and carries its identity.
    /// </summary>
    public virtual Config Outputs(Dependency dependency)
    {
        ArgumentNullException.ThrowIfNull(dependency);
        return dependency.On(this);
    }
}

/// <summary>
/// A task that can resume: on a timeout outcome (its runtime limit, or a <see cref="GracefulTimeoutException"/>)
/// it is retried up to <c>max_retries</c> times with its task directory kept, so it can continue from a checkpoint.
/// </summary>
public abstract class ResumableTaskConfig : TaskConfig
{
}

/// <summary>
/// A lightweight task run in the task's process before the task itself (experimaestro's <c>LightweightTask</c> used
/// as an init task): e.g. loading learned parameters into a model. Part of the task's identity.
/// </summary>
public abstract class InitTask : Config
{
    public abstract Task ExecuteAsync(CancellationToken cancellationToken);
}
