using Baton.Core.Commands;

namespace Baton.Core.Graph;

/// <summary>
/// Commands a task runs around its life (cattino's <c>on_start</c>/<c>on_end</c>), with the task's placeholders:
/// <see cref="OnStart"/> when an attempt starts running, <see cref="OnSuccess"/> when the task is Done,
/// <see cref="OnFailure"/> when it ends Failed, <see cref="OnEnd"/> after either, or Killed. They notify; they never
/// change the task. Not part of the task's identity.
/// </summary>
public sealed record TaskHooks(CommandTemplate? OnStart, CommandTemplate? OnSuccess, CommandTemplate? OnFailure, CommandTemplate? OnEnd)
{
    public static TaskHooks None { get; } = new(null, null, null, null);

    public bool Any => OnStart is not null || OnSuccess is not null || OnFailure is not null || OnEnd is not null;
}
