using Baton.Core.Resources;
using Microsoft.Extensions.Logging;

namespace Baton.Experiments.Experiments;

/// <summary>Where and how an experiment runs.</summary>
public sealed record ExperimentOptions
{
    /// <summary>The experiment's name: its workflow in <c>baton ls --workflow</c>; tasks keep their identity across names.</summary>
    public required string Name { get; init; }

    /// <summary>The workspace directory; <c>$BATON_WORKSPACE</c>, else <c>./.baton</c>, when null.</summary>
    public string? Workspace { get; init; }

    /// <summary>What Baton may use on this machine; all cores and memory detected when null.</summary>
    public ResourceCapacity? Capacity { get; init; }

    /// <summary>
    /// Retries of resumable tasks after a timeout, unless a submit says more. Null: <c>max_retries</c> from the
    /// workspace's settings.yaml, else 3.
    /// </summary>
    public int? MaxRetries { get; init; }

    /// <summary>
    /// The program that runs the tasks, as argv words (the task-execution arguments are added after them): the
    /// program itself when null (its apphost, or <c>dotnet &lt;entry assembly&gt;</c>). It must be able to load every
    /// task class submitted.
    /// </summary>
    public IReadOnlyList<string>? TaskProgram { get; init; }

    public ILoggerFactory? Loggers { get; init; }

    public TimeProvider? Time { get; init; }
}
