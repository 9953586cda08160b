using Baton.Core.Errors;

namespace Baton.Core.Workflows;

/// <summary>
/// Builds the compiler's errors. Messages quote names and values from the file, which may hold newlines, escape
/// sequences or megabytes of text; each quoted value goes through <see cref="QuotedText"/> (escaped, shortened),
/// so that every error stays one short line.
/// </summary>
internal static class WorkflowErrors
{
    public static BatonInputException At(SourceLocation location, ref QuotedMessage message) =>
        new(location, message.ToStringAndClear());

    /// <summary>A message already composed (a parser's own reason): made one line and shortened as a whole.</summary>
    public static BatonInputException At(SourceLocation location, string message) => new(location, QuotedText.OneLine(message));

    public static BatonInputException Without(ref QuotedMessage message, Exception inner) => new(message.ToStringAndClear(), inner);
}
