using System.Reflection;

namespace Baton.Experiments.Configs;

/// <summary>One parameter of a configuration class, as found by reflection.</summary>
internal sealed record ConfigParameter(
    string Name,
    PropertyInfo Property,
    ParameterKind Kind,
    ValueShape Shape,
    bool IgnoreDefault,
    object? Default,
    bool Required,
    string? GeneratedPath)
{
    public object? Get(Config config) => Property.GetValue(config);
}

/// <summary>
/// A configuration class taken apart: its identifier and its parameters sorted by name (ordinal), each with its
/// default (read from an instance made with the parameterless constructor).
/// </summary>
internal sealed class ConfigModel
{
    private ConfigModel(Type type, string id, IReadOnlyList<ConfigParameter> parameters)
    {
        Type = type;
        Id = id;
        Parameters = parameters;
    }

    public Type Type { get; }

    /// <summary>The identifier that enters identities: <see cref="ConfigIdAttribute"/> or the full type name.</summary>
    public string Id { get; }

    /// <summary>Parameters, sorted by name (ordinal).</summary>
    public IReadOnlyList<ConfigParameter> Parameters { get; }

    public ConfigParameter? Find(string name) => Parameters.FirstOrDefault(p => p.Name == name);

    public static ConfigModel Build(Type type)
    {
        if (type.IsAbstract || type.IsGenericType)
        {
            throw new ConfigException($"{type.FullName}: a configuration class must be concrete and not generic");
        }
        var constructor = type.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes)
            ?? throw new ConfigException($"{type.FullName}: a configuration class needs a parameterless constructor (the task process rebuilds it from params.json)");
        var id = type.GetCustomAttribute<ConfigIdAttribute>(inherit: false)?.Id ?? type.FullName!;
        Config defaults;
        try
        {
            defaults = (Config)constructor.Invoke(null);
        }
        catch (TargetInvocationException ex)
        {
            throw new ConfigException($"{type.FullName}: its parameterless constructor threw: {ex.InnerException?.Message}", ex.InnerException ?? ex);
        }
        var nullability = new NullabilityInfoContext();
        var parameters = new List<ConfigParameter>();
        foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            var (kind, name, ignoreDefault, generated) = KindOf(property);
            if (kind is null)
            {
                continue;
            }
            var where = $"{type.FullName}.{property.Name}";
            var shape = ValueShape.Of(property.PropertyType)
                ?? throw new ConfigException($"{where}: parameter type {property.PropertyType.Name} is not supported ({ValueShape.Supported})");
            if (kind == ParameterKind.Constant)
            {
                if (property.SetMethod is not null)
                {
                    throw new ConfigException($"{where}: a [Constant] must be get-only");
                }
            }
            else if (property.SetMethod is null)
            {
                throw new ConfigException($"{where}: a parameter needs a setter or init accessor");
            }
            if (kind == ParameterKind.Generated && shape.Kind is not (ShapeKind.Path or ShapeKind.String))
            {
                throw new ConfigException($"{where}: a [Generated] path must be a FileInfo, DirectoryInfo or string");
            }
            var required = kind is ParameterKind.Param or ParameterKind.Meta
                && Nullable.GetUnderlyingType(property.PropertyType) is null
                && !property.PropertyType.IsValueType
                && nullability.Create(property).WriteState == NullabilityState.NotNull;
            if (parameters.Any(p => p.Name == name))
            {
                throw new ConfigException($"{where}: two parameters are named '{name}'");
            }
            parameters.Add(new ConfigParameter(name, property, kind.Value, shape, ignoreDefault, property.GetValue(defaults), required, generated));
        }
        parameters.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new ConfigModel(type, id, parameters);
    }

    private static (ParameterKind? Kind, string Name, bool IgnoreDefault, string? Generated) KindOf(PropertyInfo property)
    {
        var found = new List<(ParameterKind, string, bool, string?)>();
        if (property.GetCustomAttribute<ParamAttribute>() is { } param)
        {
            found.Add((ParameterKind.Param, param.Name ?? property.Name, param.IgnoreDefault, null));
        }
        if (property.GetCustomAttribute<MetaAttribute>() is { } meta)
        {
            found.Add((ParameterKind.Meta, meta.Name ?? property.Name, false, null));
        }
        if (property.GetCustomAttribute<ConstantAttribute>() is { } constant)
        {
            found.Add((ParameterKind.Constant, constant.Name ?? property.Name, false, null));
        }
        if (property.GetCustomAttribute<GeneratedAttribute>() is { } generated)
        {
            found.Add((ParameterKind.Generated, generated.Name ?? property.Name, false, generated.RelativePath));
        }
        return found.Count switch
        {
            0 => (null, "", false, null),
            1 => found[0],
            _ => throw new ConfigException($"{property.DeclaringType?.FullName}.{property.Name}: choose one of [Param], [Meta], [Constant], [Generated]"),
        };
    }
}

/// <summary>Models by type, built once each; one per experiment or task process (no static state).</summary>
internal sealed class ConfigModels
{
    /// <summary>
    /// The configurations <paramref name="config"/> holds directly: in its parameters (also inside lists, sets and
    /// dictionary values), then its init tasks.
    /// </summary>
    public IEnumerable<Config> Children(Config config, bool initTasks = true)
    {
        foreach (var parameter in For(config.GetType()).Parameters)
        {
            foreach (var nested in Nested(parameter.Get(config)))
            {
                yield return nested;
            }
        }
        if (initTasks)
        {
            foreach (var init in config.InitTasks)
            {
                yield return init;
            }
        }
    }

    private static IEnumerable<Config> Nested(object? value) => value switch
    {
        Config c => [c],
        string => [],
        System.Collections.IDictionary d => d.Values.Cast<object?>().SelectMany(Nested),
        System.Collections.IEnumerable e => e.Cast<object?>().SelectMany(Nested),
        _ => [],
    };

    private readonly Dictionary<Type, ConfigModel> _models = [];

    public ConfigModel For(Type type)
    {
        if (!_models.TryGetValue(type, out var model))
        {
            model = ConfigModel.Build(type);
            _models.Add(type, model);
        }
        return model;
    }
}
