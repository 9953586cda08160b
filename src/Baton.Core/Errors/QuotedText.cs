using System.Globalization;
using System.Text;

namespace Baton.Core.Errors;

/// <summary>
/// Makes text that came from a user's file or a task safe to print on a terminal, in ONE place: control
/// characters (escape sequences, bell, newlines), Unicode format characters (bidi overrides, zero-width
/// characters), line separators and lone surrogates are written as <c>\n</c>, <c>\t</c>, <c>\r</c> or
/// <c>\uXXXX</c>, so that a quoted value can neither drive the terminal nor break an error onto a second line;
/// and long values are shortened, with their length, so that a 10 MB value is not echoed whole.
/// </summary>
public static class QuotedText
{
    /// <summary>Quoted values longer than this are shortened in errors.</summary>
    public const int MaxQuotedLength = 256;

    // What is kept of a shortened value: enough to recognise it.
    private const int ShortenedKeep = 64;

    /// <summary>Whether printing <paramref name="c"/> as is could act on a terminal or hide what the text says.</summary>
    public static bool NeedsEscape(char c) =>
        char.IsControl(c)
        || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>Whether <paramref name="text"/> prints as it reads: no character of <see cref="NeedsEscape"/>, no lone surrogate.</summary>
    public static bool IsPrintable(string text) => FirstUnprintable(text) < 0;

    /// <summary>The index of the first character that <see cref="Escape"/> would escape, or -1.</summary>
    public static int FirstUnprintable(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x7f && c >= 0x20)
            {
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (NeedsEscape(c) || char.IsSurrogate(c))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary><paramref name="text"/> with every unprintable character escaped; always one line.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = FirstUnprintable(text);
        if (first < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
                continue;
            }
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case var _ when NeedsEscape(c) || char.IsSurrogate(c):
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="value"/> escaped and, when longer than <paramref name="max"/> characters, shortened to its
    /// start followed by <c>… (N characters)</c>, N being the length of the value as given.
    /// </summary>
    public static string Shorten(string value, int max = MaxQuotedLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length <= max)
        {
            return Escape(value);
        }
        var keep = Math.Min(ShortenedKeep, max);
        // Never cut a surrogate pair in two.
        if (char.IsHighSurrogate(value[keep - 1]))
        {
            keep--;
        }
        return Escape(value[..keep]) + "… (" + value.Length.ToString("N0", CultureInfo.InvariantCulture) + " characters)";
    }

    /// <summary>
    /// A message quoting user text, made one line and of bounded length as a whole (a last safety net for messages
    /// composed before they reach an error): a longer one keeps its start and its end, and says how much is left out.
    /// </summary>
    public static string OneLine(string message, int max = 4 * MaxQuotedLength)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length <= max)
        {
            return Escape(message);
        }
        var head = max * 2 / 3;
        var tail = max / 4;
        if (char.IsHighSurrogate(message[head - 1]))
        {
            head--;
        }
        if (char.IsLowSurrogate(message[^tail]))
        {
            tail--;
        }
        var omitted = (message.Length - head - tail).ToString("N0", CultureInfo.InvariantCulture);
        return Escape(message[..head]) + $" … ({omitted} characters left out) … " + Escape(message[^tail..]);
    }
}
