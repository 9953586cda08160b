using Baton.Core.Commands;
using Baton.Core.Errors;
using Baton.Core.Resources;

namespace Baton.Core.Graph;

/// <summary>
/// A command template (jobmon's TaskTemplate): a command with placeholders and the roles of its arguments.
/// Node and task arguments define identity; op arguments do not.
/// </summary>
public sealed record TemplateSpec
{
    /// <summary>Template name used for one-off <c>command:</c> tasks.</summary>
    public const string OneOffName = "command";

    public required string Name { get; init; }
    public required CommandTemplate Command { get; init; }
    public IReadOnlyList<string> NodeArgs { get; init; } = [];
    public IReadOnlyList<string> TaskArgs { get; init; } = [];
    public IReadOnlyList<string> OpArgs { get; init; } = [];
    public required ResourceRequest Resources { get; init; }
    public int MaxAttempts { get; init; } = 3;
    public int Priority { get; init; }
    /// <summary>How many tasks of this template may run at once; null for no limit.</summary>
    public int? MaxConcurrent { get; init; }
    public SourceLocation Location { get; init; }

    public IEnumerable<string> AllArgs => NodeArgs.Concat(TaskArgs).Concat(OpArgs);
}
