using YamlDotNet.RepresentationModel;

namespace Baton.Core.Workflows;

/// <summary>
/// The entries of one YAML map, checked against the keys allowed there: a typo such as <c>comand:</c> is an
/// error naming the allowed keys, never silently ignored.
/// </summary>
internal sealed class YamlFields
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    public YamlFields(YamlSource source, YamlMappingNode map, string where, IReadOnlyList<string> allowed)
    {
        Map = map;
        foreach (var (keyNode, value) in map.Children)
        {
            var key = source.Scalar(keyNode, $"a key in {where}");
            var name = key.Value ?? "";
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw source.Error(key, $"unknown key '{name}' in {where}{Suggestions.DidYouMean(name, allowed)}; allowed keys: {string.Join(", ", allowed)}");
            }
            // YamlDotNet already refuses duplicate keys, so each name is seen once.
            _entries[name] = (key, value);
        }
    }

    /// <summary>The map itself, for errors about a missing key.</summary>
    public YamlMappingNode Map { get; }

    public YamlNode? this[string key] => _entries.TryGetValue(key, out var entry) ? entry.Value : null;

    /// <summary>The key node of an entry that is present, for errors about the entry as a whole.</summary>
    public YamlScalarNode KeyOf(string key) => _entries[key].Key;

    public bool Has(string key) => _entries.ContainsKey(key);
}
