using System.Globalization;
using Baton.Experiments.Experiments;

namespace Baton.Experiments.Configs;

/// <summary>
/// A configuration: a typed parameter object whose <see cref="ParamAttribute"/>, <see cref="MetaAttribute"/>,
/// <see cref="ConstantAttribute"/> and <see cref="GeneratedAttribute"/> properties define what it is. Its identity
/// is computed from its parameters (docs/typed-tasks.md); configurations nest. A class needs a parameterless
/// constructor: the task process rebuilds it from params.json.
/// </summary>
public abstract class Config
{
    private List<KeyValuePair<string, string>>? _tags;

    /// <summary>The submitted task this configuration is an output of (experimaestro's <c>dep(...)</c>); null when none.</summary>
    internal Submission? Producer { get; set; }

    /// <summary>Marked through a dynamic output: consumers carry the producer's identity but do not wait for it.</summary>
    internal bool SoftProducer { get; set; }

    /// <summary>Init tasks attached when this (task) configuration was submitted; part of its identity.</summary>
    internal IReadOnlyList<InitTask> InitTasks { get; set; } = [];

    internal IReadOnlyList<KeyValuePair<string, string>> OwnTags => _tags ?? (IReadOnlyList<KeyValuePair<string, string>>)[];

    /// <summary>Tags this configuration (not its identity): recorded with every task whose parameters reach it.</summary>
    internal void AddTag(string name, object value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        _tags ??= [];
        _tags.RemoveAll(t => t.Key == name);
        _tags.Add(new(name, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
    }
}

/// <summary>Tagging, fluent and typed.</summary>
public static class ConfigTags
{
    /// <summary>Adds a tag (a name and a value shown by <c>baton ls</c>/<c>show</c>, never part of the identity).</summary>
    public static T WithTag<T>(this T config, string name, object value) where T : Config
    {
        ArgumentNullException.ThrowIfNull(config);
        config.AddTag(name, value);
        return config;
    }
}
