using Baton.Core.Commands;

namespace Baton.Core.Graph;

/// <summary>
/// A named group of tasks (cattino's TaskGroup): its order is compiled into ordinary edges of the graph; what is left
/// for the engine is the hooks. <see cref="OnStart"/> runs when the first of its tasks starts (outer groups first),
/// <see cref="OnEnd"/> when the last of its tasks has ended (inner groups first).
/// </summary>
/// <param name="Name">Unique among the groups of a workflow.</param>
/// <param name="Tasks">Every task of the group, nested groups' included, by index in the graph.</param>
/// <param name="Parent">The index of the group this one is a member of, or -1.</param>
public sealed record TaskGroupSpec(string Name, IReadOnlyList<int> Tasks, int Parent, GroupHook? OnStart = null, GroupHook? OnEnd = null);

/// <summary>Something that runs when a group starts or ends.</summary>
public abstract record GroupHook;

/// <summary>
/// A command (a workflow file's <c>on_start:</c>/<c>on_end:</c>): split into words like a task's command, run without
/// a shell; <c>{group}</c>, <c>{workflow_dir}</c> and <c>{workspace}</c> are its placeholders.
/// </summary>
public sealed record CommandHook(CommandTemplate Command) : GroupHook;

/// <summary>Code to run (the C# API's async <c>OnStart</c>/<c>OnEnd</c>).</summary>
public sealed record DelegateHook(Func<GroupHookContext, CancellationToken, Task> Run) : GroupHook;

/// <summary>What a hook is told: which workflow and group, and where the workspace is.</summary>
public sealed record GroupHookContext(string Workflow, string Group, string Workspace);
