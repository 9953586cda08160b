using Baton.Core.Resources;
using Baton.Experiments.Configs;

namespace Baton.Experiments.Experiments;

/// <summary>How one task is submitted. Nothing here is part of the identity except <see cref="InitTasks"/>.</summary>
public sealed record SubmitOptions
{
    /// <summary>Lightweight tasks run in the task's process before it, in order; part of its identity.</summary>
    public IReadOnlyList<InitTask> InitTasks { get; init; } = [];

    /// <summary>Cores, memory and the runtime limit of each attempt; one core and no limit when null.</summary>
    public ResourceRequest? Resources { get; init; }

    /// <summary>
    /// For a <see cref="ResumableTaskConfig"/>: retries after a timeout. Null: the experiment's
    /// <see cref="ExperimentOptions.MaxRetries"/> (workspace settings, else 3). When the same task is submitted
    /// twice, the higher wins.
    /// </summary>
    public int? MaxRetries { get; init; }

    /// <summary>The task's name in <c>baton ls</c>; the class name and the start of the identity when null.</summary>
    public string? Name { get; init; }
}
