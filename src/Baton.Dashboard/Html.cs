using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace Baton.Dashboard;

/// <summary>Markup that is written as it is (built by <see cref="Html"/> or a literal of the page), never encoded again.</summary>
public readonly record struct RawHtml(string Value)
{
    public override string ToString() => Value;
}

/// <summary>
/// A page's HTML, built from interpolated strings whose holes are HTML-encoded unless they are <see cref="RawHtml"/>:
/// a value from the store (a task name, a log line) cannot become markup by accident.
/// </summary>
public sealed class Html
{
    private readonly StringBuilder _text = new();

    /// <summary>Appends <paramref name="html"/>: its literal parts as they are, its holes encoded.</summary>
    public Html Add([InterpolatedStringHandlerArgument("")] ref HtmlHandler html)
    {
        _ = html;
        return this;
    }

    internal void AppendRaw(string? text) => _text.Append(text);

    internal void AppendEncoded(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _text.Append(HtmlEncoder.Default.Encode(text));
        }
    }

    public RawHtml ToRaw() => new(_text.ToString());

    public override string ToString() => _text.ToString();

    /// <summary>One fragment: <c>Html.Of($"&lt;b&gt;{name}&lt;/b&gt;")</c>.</summary>
    public static RawHtml Of([InterpolatedStringHandlerArgument] ref FragmentHandler html) => html.Result;

    public static string Encode(string? text) => string.IsNullOrEmpty(text) ? "" : HtmlEncoder.Default.Encode(text);
}

[InterpolatedStringHandler]
public readonly ref struct HtmlHandler
{
    private readonly Html _html;

    public HtmlHandler(int literalLength, int formattedCount, Html html)
    {
        _ = literalLength;
        _ = formattedCount;
        ArgumentNullException.ThrowIfNull(html);
        _html = html;
    }

    public void AppendLiteral(string literal) => _html.AppendRaw(literal);

    public void AppendFormatted(RawHtml value) => _html.AppendRaw(value.Value);

    public void AppendFormatted<T>(T value) => _html.AppendEncoded(Text(value, null));

    public void AppendFormatted<T>(T value, string format) => _html.AppendEncoded(Text(value, format));

    internal static string? Text<T>(T value, string? format) =>
        value is IFormattable formattable ? formattable.ToString(format, CultureInfo.InvariantCulture) : value?.ToString();
}

[InterpolatedStringHandler]
public ref struct FragmentHandler
{
    private readonly Html _html = new();

    public FragmentHandler(int literalLength, int formattedCount)
    {
        _ = literalLength;
        _ = formattedCount;
    }

    public readonly RawHtml Result => _html.ToRaw();

    public readonly void AppendLiteral(string literal) => _html.AppendRaw(literal);

    public readonly void AppendFormatted(RawHtml value) => _html.AppendRaw(value.Value);

    public readonly void AppendFormatted<T>(T value) => _html.AppendEncoded(HtmlHandler.Text(value, null));

    public readonly void AppendFormatted<T>(T value, string format) => _html.AppendEncoded(HtmlHandler.Text(value, format));
}
