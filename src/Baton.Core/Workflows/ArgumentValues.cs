using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Baton.Core.Workflows;

/// <summary>
/// One task's argument values: a compact read-only map over names shared by every task of the entry. A workflow
/// may hold 100,000 tasks; a Dictionary each would cost several objects and buckets per task for two or three
/// entries. Lookups scan the few names (the template's own strings, so usually a reference match) and use a shared
/// index when there are many.
/// </summary>
internal sealed class ArgumentValues : IReadOnlyDictionary<string, string>
{
    private const int IndexThreshold = 8;

    private readonly ArgumentNames _names;
    private readonly string[] _values;

    public ArgumentValues(ArgumentNames names, string[] values)
    {
        _names = names;
        _values = values;
    }

    public static ArgumentValues Empty { get; } = new(new ArgumentNames([]), []);

    public int Count => _values.Length;

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no argument '{key}'");

    public IEnumerable<string> Keys => _names.Names;

    public IEnumerable<string> Values => _values;

    public bool ContainsKey(string key) => _names.IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var i = _names.IndexOf(key);
        value = i >= 0 ? _values[i] : null;
        return i >= 0;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _values.Length; i++)
        {
            yield return new KeyValuePair<string, string>(_names.Names[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The argument names of a template, in declaration order, shared by all of its tasks' values.</summary>
    internal sealed class ArgumentNames(string[] names)
    {
        private readonly Dictionary<string, int>? _index = names.Length > IndexThreshold
            ? names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal)
            : null;

        public string[] Names { get; } = names;

        public int IndexOf(string key)
        {
            if (_index is not null)
            {
                return _index.TryGetValue(key, out var i) ? i : -1;
            }
            for (var i = 0; i < Names.Length; i++)
            {
                if (string.Equals(Names[i], key, StringComparison.Ordinal))
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
