using System.Text;
using Baton.Core.Commands;

namespace Baton.Core.Workflows;

/// <summary>
/// A task-name pattern such as <c>sim-{rate}-{seed}</c>, used by <c>name:</c> and <c>after:</c>: literal text and
/// <c>{argument}</c> placeholders, expanded with one task's argument values. Parsed once per task entry, expanded
/// once per task.
/// </summary>
internal sealed class NamePattern
{
    // Literal pieces around the placeholders: Literals[i] comes before Placeholders[i]; one more literal at the end.
    private readonly string[] _literals;

    private NamePattern(string text, string[] literals, Placeholder[] placeholders)
    {
        Text = text;
        _literals = literals;
        Placeholders = placeholders;
    }

    /// <summary>An argument used by the pattern and the offset of its '{' in the text.</summary>
    public readonly record struct Placeholder(string Name, int Offset);

    public string Text { get; }

    public IReadOnlyList<Placeholder> Placeholders { get; }

    public bool IsLiteral => Placeholders.Count == 0;

    /// <summary>Parses a pattern; on failure returns null with the offset of the problem and a message.</summary>
    public static NamePattern? TryParse(string text, out int errorOffset, out string error)
    {
        var literals = new List<string>();
        var placeholders = new List<Placeholder>();
        var literal = new StringBuilder();
        errorOffset = 0;
        error = "";
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '{')
            {
                var close = text.IndexOf('}', i + 1);
                var name = close < 0 ? "" : text[(i + 1)..close];
                if (!CommandTemplate.IsIdentifier(name))
                {
                    errorOffset = i;
                    error = "'{' must start an argument placeholder such as {rate}";
                    return null;
                }
                literals.Add(literal.ToString());
                literal.Clear();
                placeholders.Add(new Placeholder(name, i));
                i = close + 1;
            }
            else if (c == '}')
            {
                errorOffset = i;
                error = "'}' without a matching '{'";
                return null;
            }
            else
            {
                literal.Append(c);
                i++;
            }
        }
        literals.Add(literal.ToString());
        return new NamePattern(text, [.. literals], [.. placeholders]);
    }

    public string Expand(IReadOnlyDictionary<string, string> values)
    {
        if (IsLiteral)
        {
            return Text;
        }
        // One array and the result: this runs once per task.
        var parts = new string[_literals.Length + Placeholders.Count];
        for (var i = 0; i < Placeholders.Count; i++)
        {
            parts[2 * i] = _literals[i];
            parts[2 * i + 1] = values[Placeholders[i].Name];
        }
        parts[^1] = _literals[^1];
        return string.Concat(parts);
    }
}
