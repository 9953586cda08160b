using System.Text;

namespace Baton.Core.Commands;

/// <summary>
/// A command line with <c>{placeholders}</c>, split into words once, when the template is read.
/// Each word becomes exactly one argument of the program; a substituted value is never split and never seen by a
/// shell, so <c>a; rm -rf ~</c> reaches the program byte for byte.
/// </summary>
/// <remarks>
/// Syntax: words are separated by whitespace. <c>'...'</c> and <c>"..."</c> quote literal text (inside quotes
/// braces are literal, so <c>awk '{print $1}'</c> works; <c>\"</c> and <c>\\</c> escape in double quotes).
/// Outside quotes <c>\x</c> is a literal x, <c>{{</c> and <c>}}</c> are literal braces, <c>{name}</c> is an
/// argument or built-in and <c>{dir:NAME}</c> is the directory of upstream task NAME.
/// </remarks>
public sealed class CommandTemplate
{
    // Read once per task when a workflow is compiled, so found once here rather than by a query each time.
    private readonly IReadOnlyList<DirectoryReferenceSegment> _directoryReferences;

    private CommandTemplate(string text, IReadOnlyList<IReadOnlyList<CommandSegment>> words, IReadOnlyList<QuotedPlaceholder> quoted)
    {
        QuotedNames = quoted;
        Text = text;
        Words = words;
        Canonical = BuildCanonical(words);
        DirectoryReferenceArray = [.. words.SelectMany(w => w).OfType<DirectoryReferenceSegment>()];
        _directoryReferences = Array.AsReadOnly(DirectoryReferenceArray);
    }

    /// <summary>The command as written.</summary>
    public string Text { get; }

    /// <summary>
    /// Every <c>{name}</c> written inside quotes, where it is literal text. A name that is an argument of the task
    /// is almost surely a mistake (<c>sh -c 'cat {input}'</c>): the compiler that knows the arguments refuses it
    /// with <see cref="QuotedPlaceholderError"/>. Built-ins are refused by <see cref="Parse"/> itself.
    /// </summary>
    public IReadOnlyList<QuotedPlaceholder> QuotedNames { get; }

    /// <summary>Why <c>{name}</c> inside quotes is refused, and how to write it either way.</summary>
    public static string QuotedPlaceholderError(string name) =>
        $"{{{name}}} is inside quotes, where it stays literal text and is not replaced: write it outside the quotes " +
        $"and pass it to the shell as an argument (sh -c 'cat \"$1\"' sh {{{name}}}); for the literal text on purpose, " +
        $"close the quotes and write {{{{{name}}}}}";

    /// <summary>The words; each is a sequence of segments joined without separators.</summary>
    public IReadOnlyList<IReadOnlyList<CommandSegment>> Words { get; }

    /// <summary>
    /// A normalised form that ignores how the command was quoted or spaced; it enters identities, so
    /// re-indenting a workflow file does not change what a task is.
    /// </summary>
    public string Canonical { get; }

    /// <summary>Argument names used, in order of first use (including those inside <c>{dir:...}</c>).</summary>
    public IEnumerable<string> ArgumentNames => Flatten(Words.SelectMany(w => w)).OfType<ArgumentSegment>().Select(a => a.Name).Distinct();

    /// <summary>The <c>{dir:...}</c> references, in order of appearance.</summary>
    public IEnumerable<DirectoryReferenceSegment> DirectoryReferences => _directoryReferences;

    /// <summary>The <c>{dir:...}</c> references, in order of appearance; not to be modified.</summary>
    internal DirectoryReferenceSegment[] DirectoryReferenceArray { get; }

    public bool Uses(Builtin builtin) => Words.SelectMany(w => w).OfType<BuiltinSegment>().Any(b => b.Builtin == builtin);

    /// <summary>Parses a command; throws <see cref="CommandTemplateException"/> naming the character offset of the problem.</summary>
    public static CommandTemplate Parse(string text)
    {
        var words = new List<IReadOnlyList<CommandSegment>>();
        var segments = new List<CommandSegment>();
        var literal = new StringBuilder();
        var inWord = false;
        var i = 0;
        var quoted = new List<QuotedPlaceholder>();

        void FlushLiteral()
        {
            if (literal.Length > 0)
            {
                segments.Add(new LiteralSegment(literal.ToString()));
                literal.Clear();
            }
        }

        void EndWord()
        {
            FlushLiteral();
            if (inWord)
            {
                words.Add(segments.ToArray());
                segments.Clear();
                inWord = false;
            }
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                EndWord();
                i++;
                continue;
            }
            inWord = true;
            switch (c)
            {
                case '\'':
                {
                    var end = text.IndexOf('\'', i + 1);
                    if (end < 0)
                    {
                        throw new CommandTemplateException(i, "unterminated single quote");
                    }
                    FindQuotedPlaceholders(text, i + 1, end, quoted);
                    literal.Append(text, i + 1, end - i - 1);
                    i = end + 1;
                    break;
                }
                case '"':
                {
                    var j = i + 1;
                    while (true)
                    {
                        if (j >= text.Length)
                        {
                            throw new CommandTemplateException(i, "unterminated double quote");
                        }
                        if (text[j] == '\\' && j + 1 < text.Length && text[j + 1] is '"' or '\\')
                        {
                            literal.Append(text[j + 1]);
                            j += 2;
                        }
                        else if (text[j] == '"')
                        {
                            break;
                        }
                        else
                        {
                            literal.Append(text[j]);
                            j++;
                        }
                    }
                    FindQuotedPlaceholders(text, i + 1, j, quoted);
                    i = j + 1;
                    break;
                }
                case '\\':
                    if (i + 1 >= text.Length)
                    {
                        throw new CommandTemplateException(i, "a backslash at the end of the command escapes nothing");
                    }
                    literal.Append(text[i + 1]);
                    i += 2;
                    break;
                case '{' when i + 1 < text.Length && text[i + 1] == '{':
                    literal.Append('{');
                    i += 2;
                    break;
                case '}' when i + 1 < text.Length && text[i + 1] == '}':
                    literal.Append('}');
                    i += 2;
                    break;
                case '{':
                    FlushLiteral();
                    i = ParsePlaceholder(text, i, segments);
                    break;
                case '}':
                    throw new CommandTemplateException(i, "'}' without a matching '{' (write '}}' for a literal brace)");
                default:
                    literal.Append(c);
                    i++;
                    break;
            }
        }
        EndWord();
        if (words.Count == 0)
        {
            throw new CommandTemplateException(0, "the command is empty");
        }
        return new CommandTemplate(text, words, quoted);
    }

    /// <summary>
    /// Records each <c>{identifier}</c> in a quoted span [start, end); a built-in there is refused at once. Other
    /// braces in quotes (<c>awk '{print $1}'</c>, <c>${HOME}</c>, JSON) are what quotes are for and pass.
    /// </summary>
    private static void FindQuotedPlaceholders(string text, int start, int end, List<QuotedPlaceholder> into)
    {
        for (var open = text.IndexOf('{', start, end - start); open >= 0; open = open + 1 < end ? text.IndexOf('{', open + 1, end - open - 1) : -1)
        {
            var close = text.IndexOf('}', open + 1, end - open - 1);
            if (close < 0)
            {
                return;
            }
            // ${name} is the shell's own expansion; {{name}} is plainly not a placeholder.
            if (open > start && text[open - 1] is '$' or '{')
            {
                continue;
            }
            var name = text[(open + 1)..close];
            if (!IsIdentifier(name))
            {
                continue;
            }
            if (Builtins.TryParse(name, out _))
            {
                throw new CommandTemplateException(open, QuotedPlaceholderError(name));
            }
            into.Add(new QuotedPlaceholder(open, name));
        }
    }

    private static int ParsePlaceholder(string text, int open, List<CommandSegment> into)
    {
        var close = text.IndexOf('}', open + 1);
        var nestedOpen = text.IndexOf('{', open + 1);
        var nameEnd = close < 0 ? text.Length : close;
        var colon = text.IndexOf(':', open + 1, nameEnd - open - 1);
        if (colon >= 0 && text.AsSpan(open + 1, colon - open - 1).SequenceEqual("dir"))
        {
            return ParseDirectoryReference(text, open, colon, into);
        }
        if (close < 0 || (nestedOpen >= 0 && nestedOpen < close))
        {
            throw new CommandTemplateException(open, "'{' without a matching '}' (write '{{' for a literal brace)");
        }
        var name = text[(open + 1)..close];
        into.Add(ToSegment(name, open));
        return close + 1;
    }

    private static int ParseDirectoryReference(string text, int open, int colon, List<CommandSegment> into)
    {
        var parts = new List<CommandSegment>();
        var literal = new StringBuilder();
        var i = colon + 1;
        while (true)
        {
            if (i >= text.Length)
            {
                throw new CommandTemplateException(open, "'{dir:' without a matching '}'");
            }
            var c = text[i];
            if (c == '}')
            {
                break;
            }
            if (c == '{')
            {
                var close = text.IndexOf('}', i + 1);
                if (close < 0)
                {
                    throw new CommandTemplateException(i, "'{' without a matching '}'");
                }
                if (literal.Length > 0)
                {
                    parts.Add(new LiteralSegment(literal.ToString()));
                    literal.Clear();
                }
                var name = text[(i + 1)..close];
                var segment = ToSegment(name, i);
                if (segment is not ArgumentSegment)
                {
                    throw new CommandTemplateException(i, $"only arguments may appear in a task name inside {{dir:...}}, not '{{{name}}}'");
                }
                parts.Add(segment);
                i = close + 1;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                throw new CommandTemplateException(i, "a task name in {dir:...} cannot contain whitespace");
            }
            literal.Append(c);
            i++;
        }
        if (literal.Length > 0)
        {
            parts.Add(new LiteralSegment(literal.ToString()));
        }
        if (parts.Count == 0)
        {
            throw new CommandTemplateException(open, "{dir:} needs a task name");
        }
        into.Add(new DirectoryReferenceSegment(parts));
        return i + 1;
    }

    private static CommandSegment ToSegment(string name, int offset)
    {
        if (!IsIdentifier(name))
        {
            throw new CommandTemplateException(offset, $"'{{{name}}}' is not a placeholder: names are letters, digits and '_' (write '{{{{' for a literal brace)");
        }
        return Builtins.TryParse(name, out var builtin) ? new BuiltinSegment(builtin) : new ArgumentSegment(name);
    }

    /// <summary>Letters, digits and underscores, not starting with a digit.</summary>
    public static bool IsIdentifier(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');

    private static IEnumerable<CommandSegment> Flatten(IEnumerable<CommandSegment> segments)
    {
        foreach (var segment in segments)
        {
            if (segment is DirectoryReferenceSegment reference)
            {
                foreach (var inner in reference.TaskName)
                {
                    yield return inner;
                }
            }
            yield return segment;
        }
    }

    private static string BuildCanonical(IReadOnlyList<IReadOnlyList<CommandSegment>> words)
    {
        // Length-prefixed so that no two different commands share a canonical form.
        var sb = new StringBuilder();
        foreach (var word in words)
        {
            sb.Append('w').Append(word.Count).Append('[');
            AppendSegments(sb, word);
            sb.Append(']');
        }
        return sb.ToString();
    }

    private static void AppendSegments(StringBuilder sb, IEnumerable<CommandSegment> segments)
    {
        foreach (var segment in segments)
        {
            switch (segment)
            {
                case LiteralSegment l:
                    sb.Append('L').Append(l.Text.Length).Append(':').Append(l.Text);
                    break;
                case ArgumentSegment a:
                    sb.Append('A').Append(a.Name.Length).Append(':').Append(a.Name);
                    break;
                case BuiltinSegment b:
                    var name = Builtins.NameOf(b.Builtin);
                    sb.Append('B').Append(name.Length).Append(':').Append(name);
                    break;
                case DirectoryReferenceSegment d:
                    sb.Append('D').Append(d.TaskName.Count).Append('[');
                    AppendSegments(sb, d.TaskName);
                    sb.Append(']');
                    break;
            }
        }
    }
}

/// <summary>A <c>{name}</c> written inside quotes, at character <paramref name="Offset"/> of the command.</summary>
public sealed record QuotedPlaceholder(int Offset, string Name);

/// <summary>A command template that cannot be parsed; <see cref="Offset"/> is the character where the problem is.</summary>
public sealed class CommandTemplateException(int offset, string message) : Exception(message)
{
    public int Offset { get; } = offset;
}
