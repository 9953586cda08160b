using System.Globalization;
using System.Runtime.CompilerServices;

namespace Baton.Core.Errors;

/// <summary>
/// An error message written as an interpolated string: every value put into it (<c>{name}</c>) goes through
/// <see cref="QuotedText.Shorten"/>, so a message quoting a user's value stays one line of bounded length while
/// the text around the values is kept as written.
/// </summary>
[InterpolatedStringHandler]
public ref struct QuotedMessage
{
    private DefaultInterpolatedStringHandler _inner;

    public QuotedMessage(int literalLength, int formattedCount)
    {
        _inner = new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture);
    }

    public void AppendLiteral(string text) => _inner.AppendLiteral(text);

    public void AppendFormatted(string? value) => _inner.AppendLiteral(QuotedText.Shorten(value ?? ""));

    public void AppendFormatted(ReadOnlySpan<char> value) => AppendFormatted(value.ToString());

    public void AppendFormatted(char value) => AppendFormatted(value.ToString());

    public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    public void AppendFormatted<T>(T value, string? format) =>
        AppendFormatted(value is IFormattable f ? f.ToString(format, CultureInfo.InvariantCulture) : value?.ToString());

    /// <summary>The message; the handler is empty afterwards.</summary>
    public string ToStringAndClear() => _inner.ToStringAndClear();
}
