using Baton.Core.Commands;
using Baton.Core.Errors;
using Baton.Core.Identity;
using Baton.Core.Resources;
using Baton.Core.Retries;

namespace Baton.Core.Graph;

/// <summary>One task of a workflow, fully resolved: its template, arguments, identity and what it needs.</summary>
public sealed record TaskSpec
{
    public required string Name { get; init; }
    public required TemplateSpec Template { get; init; }
    public required TaskIdentity Identity { get; init; }
    public required TaskCommand Command { get; init; }
    public required ResourceRequest Resources { get; init; }
    public required int MaxAttempts { get; init; }
    public required int Priority { get; init; }
    /// <summary>
    /// A resumable task's retries after a timeout (experimaestro's <c>max_retries</c>): a timed-out attempt is
    /// retried while at most this many attempts have timed out, whatever <see cref="MaxAttempts"/> says. 0: none.
    /// </summary>
    public int TimeoutRetries { get; init; }
    /// <summary>An exit code that means "timed out" for this task (a typed task's graceful timeout); null when none.</summary>
    public int? TimeoutExitCode { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    /// <summary>Resource scaling and exit-code rules for its retries.</summary>
    public RetryRules Retry { get; init; } = RetryRules.Default;
    /// <summary>Named counting resources each attempt holds while it runs (<c>license: 1</c>).</summary>
    public IReadOnlyDictionary<string, int> Tokens { get; init; } = new Dictionary<string, int>();
    /// <summary>Commands run when its attempts start and when it ends (not part of its identity).</summary>
    public TaskHooks Hooks { get; init; } = TaskHooks.None;
    /// <summary>Where the task is defined, for error messages.</summary>
    public SourceLocation Location { get; init; }
}
