namespace Baton.Core.Commands;

/// <summary>One piece of a command word: literal text, an argument, a built-in, or an upstream task's directory.</summary>
public abstract record CommandSegment
{
    private protected CommandSegment() { }
}

/// <summary>Text taken as written.</summary>
public sealed record LiteralSegment(string Text) : CommandSegment;

/// <summary><c>{name}</c>: the value of a template argument.</summary>
public sealed record ArgumentSegment(string Name) : CommandSegment;

/// <summary><c>{task_dir}</c>, <c>{attempt}</c> and the other values Baton supplies when an attempt starts.</summary>
public sealed record BuiltinSegment(Builtin Builtin) : CommandSegment;

/// <summary>
/// <c>{dir:NAME}</c>: the directory of the upstream task NAME. NAME may hold argument placeholders
/// (<c>{dir:train-{lr}}</c>), expanded with the task's own argument values.
/// </summary>
public sealed record DirectoryReferenceSegment(IReadOnlyList<CommandSegment> TaskName) : CommandSegment
{
    public bool Equals(DirectoryReferenceSegment? other) =>
        other is not null && TaskName.SequenceEqual(other.TaskName);

    public override int GetHashCode() => TaskName.Count;
}

/// <summary>The values Baton supplies. Not part of identity: they say where, not what.</summary>
public enum Builtin
{
    /// <summary><c>{task_dir}</c>: the task's directory, also the attempt's working directory.</summary>
    TaskDir,
    /// <summary><c>{attempt}</c>: the attempt number, from 1.</summary>
    Attempt,
    /// <summary><c>{attempt_dir}</c>: the attempt's directory, holding its stdout, stderr and exit.json.</summary>
    AttemptDir,
    /// <summary><c>{workflow_dir}</c>: the directory of the workflow file, to reach scripts beside it.</summary>
    WorkflowDir,
    /// <summary><c>{workspace}</c>: the workspace directory.</summary>
    Workspace,
    /// <summary><c>{upstream_dirs}</c>: a file listing the directory of every upstream task, one a line.</summary>
    UpstreamDirs,
}

public static class Builtins
{
    private static readonly Dictionary<string, Builtin> ByName = new(StringComparer.Ordinal)
    {
        ["task_dir"] = Builtin.TaskDir,
        ["attempt"] = Builtin.Attempt,
        ["attempt_dir"] = Builtin.AttemptDir,
        ["workflow_dir"] = Builtin.WorkflowDir,
        ["workspace"] = Builtin.Workspace,
        ["upstream_dirs"] = Builtin.UpstreamDirs,
    };

    public static IEnumerable<string> Names => ByName.Keys;

    public static bool TryParse(string name, out Builtin builtin) => ByName.TryGetValue(name, out builtin);

    public static string NameOf(Builtin builtin) => ByName.First(kv => kv.Value == builtin).Key;
}
