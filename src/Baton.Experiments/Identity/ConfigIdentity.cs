using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Security.Cryptography;
using Baton.Core.Identity;
using Baton.Experiments.Configs;

namespace Baton.Experiments.Identity;

/// <summary>
/// Computes the identity of a configuration: SHA-256 over a canonical, typed byte stream (experimaestro's
/// <c>IdentifierComputer</c>). The stream starts with <see cref="Encoding"/>, then <c>OBJECT</c>, then — for a
/// configuration marked as the output of another task — <c>TASK</c> and that task's digest, then the type identifier
/// and each parameter in the identity, sorted by name, as <c>name NAME value</c>; then <c>INIT_TASKS</c> and the
/// digests of the init tasks. Meta and generated parameters, paths, ignored defaults and null optionals are left
/// out. A nested configuration enters by its own digest. docs/typed-tasks.md states every rule; a golden file pins them.
/// </summary>
internal sealed class ConfigIdentity(ConfigModels models)
{
    /// <summary>Version of the encoding; bumping it changes every typed identity, so it never changes silently.</summary>
    public const string Encoding = "baton.typed-task/1";

    private readonly Dictionary<Config, TaskIdentity> _digests = new(ReferenceEqualityComparer.Instance);
    private readonly List<(Config Config, string Parameter)> _path = [];

    public ConfigModels Models => models;

    /// <summary>
    /// The identity of <paramref name="config"/>. Digests are cached for this computer's lifetime: make a new one
    /// after a configuration changes (an experiment computes each submit with a fresh one).
    /// </summary>
    public TaskIdentity Compute(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (_digests.TryGetValue(config, out var known))
        {
            return known;
        }
        for (var i = 0; i < _path.Count; i++)
        {
            if (ReferenceEquals(_path[i].Config, config))
            {
                var cycle = string.Join(" -> ", _path.Skip(i).Select(p => $"{p.Config.GetType().Name}.{p.Parameter}"));
                throw new ConfigException($"a cycle between configurations: {cycle} -> {config.GetType().Name}");
            }
        }
        var model = models.For(config.GetType());
        var stream = new IdentityWriter();
        stream.String(Encoding);
        stream.Tag(IdentityTags.Object);
        if (config.Producer is { } producer && !ReferenceEquals(producer.Task, config))
        {
            stream.Tag(IdentityTags.Task);
            stream.Digest(producer.Identity);
        }
        stream.String(model.Id);
        foreach (var parameter in model.Parameters)
        {
            if (parameter.Kind is ParameterKind.Meta or ParameterKind.Generated || parameter.Shape.Kind == ShapeKind.Path)
            {
                continue;
            }
            var value = parameter.Get(config);
            if (value is null && parameter.Required)
            {
                throw new ConfigException($"{config.GetType().FullName}.{parameter.Property.Name}: required parameter is missing");
            }
            if (value is null && parameter.Default is null)
            {
                continue;
            }
            _path.Add((config, parameter.Property.Name));
            try
            {
                var bytes = Value(value, parameter.Shape, config, parameter);
                if (parameter.IgnoreDefault && parameter.Kind == ParameterKind.Param
                    && bytes.AsSpan().SequenceEqual(Value(parameter.Default, parameter.Shape, config, parameter)))
                {
                    continue;
                }
                stream.String(parameter.Name);
                stream.Tag(IdentityTags.Name);
                stream.Raw(bytes);
            }
            finally
            {
                _path.RemoveAt(_path.Count - 1);
            }
        }
        if (config.InitTasks.Count > 0)
        {
            stream.Tag(IdentityTags.InitTasks);
            stream.Integer(config.InitTasks.Count);
            _path.Add((config, "(init tasks)"));
            foreach (var init in config.InitTasks)
            {
                stream.Digest(Compute(init));
            }
            _path.RemoveAt(_path.Count - 1);
        }
        var identity = new TaskIdentity(Convert.ToHexStringLower(SHA256.HashData(stream.ToArray())));
        _digests.Add(config, identity);
        return identity;
    }

    /// <summary>The encoding of one value; lists keep their order, sets and dictionaries are sorted by encoded bytes.</summary>
    private byte[] Value(object? value, ValueShape shape, Config owner, ConfigParameter parameter)
    {
        var w = new IdentityWriter();
        Write(w, value, shape, owner, parameter);
        return w.ToArray();
    }

    private void Write(IdentityWriter w, object? value, ValueShape shape, Config owner, ConfigParameter parameter)
    {
        if (value is null)
        {
            w.Tag(IdentityTags.None);
            return;
        }
        switch (shape.Kind)
        {
            case ShapeKind.Bool:
                w.Tag(IdentityTags.Bool);
                w.Byte((bool)value ? (byte)1 : (byte)0);
                break;
            case ShapeKind.Integer:
                w.Tag(IdentityTags.Integer);
                w.Integer(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case ShapeKind.Float:
                w.Tag(IdentityTags.Float);
                w.Float(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case ShapeKind.String:
                w.String((string)value);
                break;
            case ShapeKind.Enum:
                w.Tag(IdentityTags.Enum);
                w.String($"{shape.Type.FullName}:{value}");
                break;
            case ShapeKind.Path:
                // Paths are meta (as upstream); they are skipped before reaching here, and inside collections
                // they hash as nothing but their presence.
                w.Tag(IdentityTags.None);
                break;
            case ShapeKind.Config:
                w.Tag(IdentityTags.Object);
                w.Digest(Compute((Config)value));
                break;
            case ShapeKind.List:
            {
                var items = ((IEnumerable)value).Cast<object?>().ToList();
                w.Tag(IdentityTags.List);
                w.Integer(items.Count);
                foreach (var item in items)
                {
                    Write(w, item, shape.Element!, owner, parameter);
                }
                break;
            }
            case ShapeKind.Set:
            {
                var items = ((IEnumerable)value).Cast<object?>().Select(i => Value(i, shape.Element!, owner, parameter)).ToList();
                items.Sort(CompareBytes);
                w.Tag(IdentityTags.Set);
                w.Integer(items.Count);
                items.ForEach(w.Raw);
                break;
            }
            case ShapeKind.Dictionary:
            {
                var items = new List<(byte[] Key, byte[] Value)>();
                foreach (var entry in DictionaryEntries(value))
                {
                    items.Add((Value(entry.Key, shape.Key!, owner, parameter), Value(entry.Value, shape.Element!, owner, parameter)));
                }
                items.Sort((a, b) => CompareBytes(a.Key, b.Key));
                w.Tag(IdentityTags.Dictionary);
                w.Integer(items.Count);
                foreach (var (key, item) in items)
                {
                    w.Raw(key);
                    w.Raw(item);
                }
                break;
            }
            default:
                throw new ConfigException($"{owner.GetType().FullName}.{parameter.Property.Name}: cannot hash a {shape.Type.Name}");
        }
    }

    /// <summary>Entries of any IDictionary or IReadOnlyDictionary (a generic interface need not be IDictionary).</summary>
    internal static IEnumerable<KeyValuePair<object, object?>> DictionaryEntries(object dictionary)
    {
        if (dictionary is IDictionary plain)
        {
            foreach (DictionaryEntry e in plain)
            {
                yield return new(e.Key, e.Value);
            }
            yield break;
        }
        foreach (var item in (IEnumerable)dictionary)
        {
            var type = item!.GetType();
            yield return new(type.GetProperty("Key")!.GetValue(item)!, type.GetProperty("Value")!.GetValue(item));
        }
    }

    private static int CompareBytes(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b);

    /// <summary>Appends tagged, big-endian, length-prefixed values.</summary>
    private sealed class IdentityWriter
    {
        private readonly ArrayBufferWriter<byte> _bytes = new(256);

        public void Tag(byte tag) => _bytes.Write([tag]);

        public void Byte(byte value) => _bytes.Write([value]);

        public void Raw(byte[] bytes) => _bytes.Write(bytes);

        public void Integer(long value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(b, value);
            _bytes.Write((ReadOnlySpan<byte>)b);
        }

        public void Float(double value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleBigEndian(b, value);
            _bytes.Write((ReadOnlySpan<byte>)b);
        }

        /// <summary>STRING, the UTF-8 byte count as 4 bytes, the bytes: no two strings run together.</summary>
        public void String(string value)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(value);
            _bytes.Write([IdentityTags.String]);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, bytes.Length);
            _bytes.Write((ReadOnlySpan<byte>)b);
            _bytes.Write((ReadOnlySpan<byte>)bytes);
        }

        public void Digest(TaskIdentity identity) => _bytes.Write(Convert.FromHexString(identity.Hex));

        public byte[] ToArray() => _bytes.WrittenSpan.ToArray();
    }
}
