namespace Baton.Experiments.Configs;

/// <summary>What a parameter's declared type is, for hashing and params.json.</summary>
internal enum ShapeKind
{
    Bool,
    Integer,
    Float,
    String,
    Enum,
    Path,
    Config,
    List,
    Set,
    Dictionary,
}

/// <summary>A supported parameter type, taken apart once per property.</summary>
internal sealed record ValueShape(ShapeKind Kind, Type Type, ValueShape? Element = null, ValueShape? Key = null)
{
    /// <summary>The shape of <paramref name="type"/>; null when it is not supported (the caller names the parameter).</summary>
    public static ValueShape? Of(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(bool))
        {
            return new(ShapeKind.Bool, underlying);
        }
        if (underlying.IsEnum)
        {
            return new(ShapeKind.Enum, underlying);
        }
        if (underlying == typeof(int) || underlying == typeof(long) || underlying == typeof(short) || underlying == typeof(sbyte)
            || underlying == typeof(byte) || underlying == typeof(ushort) || underlying == typeof(uint))
        {
            return new(ShapeKind.Integer, underlying);
        }
        if (underlying == typeof(double) || underlying == typeof(float))
        {
            return new(ShapeKind.Float, underlying);
        }
        if (underlying == typeof(string))
        {
            return new(ShapeKind.String, underlying);
        }
        if (underlying == typeof(FileInfo) || underlying == typeof(DirectoryInfo))
        {
            return new(ShapeKind.Path, underlying);
        }
        if (typeof(Config).IsAssignableFrom(underlying))
        {
            return new(ShapeKind.Config, underlying);
        }
        if (underlying.IsArray)
        {
            return underlying.GetArrayRank() == 1 && Of(underlying.GetElementType()!) is { } element ? new(ShapeKind.List, underlying, element) : null;
        }
        if (!underlying.IsGenericType)
        {
            return null;
        }
        var definition = underlying.GetGenericTypeDefinition();
        var args = underlying.GetGenericArguments();
        if (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
            || definition == typeof(IEnumerable<>) || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>))
        {
            return Of(args[0]) is { } element ? new(ShapeKind.List, underlying, element) : null;
        }
        if (definition == typeof(HashSet<>) || definition == typeof(ISet<>) || definition == typeof(IReadOnlySet<>))
        {
            return Of(args[0]) is { } element ? new(ShapeKind.Set, underlying, element) : null;
        }
        if (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
        {
            var key = Of(args[0]);
            var value = Of(args[1]);
            return key is { Kind: ShapeKind.String or ShapeKind.Integer or ShapeKind.Enum or ShapeKind.Bool } && value is not null
                ? new(ShapeKind.Dictionary, underlying, value, key)
                : null;
        }
        return null;
    }

    public const string Supported = "supported: bool, integers, float, double, string, enums, FileInfo, DirectoryInfo, Config types, and arrays, lists, sets and dictionaries of those";
}
