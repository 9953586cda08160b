namespace Baton.Experiments.Configs;

/// <summary>
/// An identity parameter: its value enters the configuration's identity. A default (the property's initial value)
/// is hashed like any other value unless <see cref="IgnoreDefault"/> is set.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class ParamAttribute : Attribute
{
    /// <summary>
    /// Leave the parameter out of the identity while it equals its default, so that adding a parameter to an
    /// existing class keeps the identities of every task already run.
    /// </summary>
    public bool IgnoreDefault { get; init; }

    /// <summary>The name that enters the identity and params.json; the property name when null. Pin it to rename a property freely.</summary>
    public string? Name { get; init; }
}

/// <summary>A meta parameter: recorded in params.json and rebuilt in the task, never part of the identity (output paths, thread counts, names).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class MetaAttribute : Attribute
{
    public string? Name { get; init; }
}

/// <summary>
/// A constant: a get-only property whose value is always part of the identity, even when it equals the default.
/// Bump it when the behaviour of the class changes so that every task computed before runs again.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class ConstantAttribute : Attribute
{
    public string? Name { get; init; }
}

/// <summary>
/// A path generated inside the task directory when the task is submitted (experimaestro's <c>PathGenerator</c>):
/// e.g. <c>[Generated("model.json")] public FileInfo? Model { get; set; }</c>. Never part of the identity.
/// The property must be a <see cref="FileInfo"/>, <see cref="DirectoryInfo"/> or <see cref="string"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class GeneratedAttribute(string relativePath) : Attribute
{
    public string RelativePath { get; } = relativePath;

    public string? Name { get; init; }
}

/// <summary>
/// The type's identifier in identities and task directory names; the full type name when absent. Pin it to rename
/// or move a class without changing the identities of its tasks.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ConfigIdAttribute(string id) : Attribute
{
    public string Id { get; } = id;
}
