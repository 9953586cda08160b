namespace Baton.Core.Errors;

/// <summary>A place in a file a user wrote: 1-based line and column.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    // The path is the user's and may hold a newline or an escape sequence: printed escaped, so an error stays one line.
    public override string ToString() => Line > 0 ? $"{QuotedText.Escape(File)}:{Line}:{Column}" : QuotedText.Escape(File);
}
