namespace Baton.Core.Errors;

/// <summary>
/// A user's input is wrong: a workflow file, a command-line value, a workspace that cannot be used.
/// Hosts print <see cref="Exception.Message"/> as one line (no stack trace) and exit with code 2: the message is
/// made one line of bounded length here, whatever it quotes (<see cref="QuotedText"/>).
/// </summary>
public class BatonInputException : Exception
{
    public BatonInputException(string message) : base(QuotedText.OneLine(message, MaxLength)) { }

    public BatonInputException(string message, Exception inner) : base(QuotedText.OneLine(message, MaxLength), inner) { }

    public BatonInputException(SourceLocation location, string message) : base(QuotedText.OneLine($"{location}: {message}", MaxLength))
    {
        Location = location;
        Detail = QuotedText.OneLine(message, MaxLength);
    }

    public BatonInputException() { }

    // A last safety net above what the messages' own builders allow (QuotedText.MaxQuotedLength per value, about
    // 1000 characters for a composed message), so that it never shortens a message a second time.
    private const int MaxLength = 2048;

    /// <summary>Where in a file the problem is, when it is in a file.</summary>
    public SourceLocation? Location { get; }

    /// <summary>The message without the location prefix.</summary>
    public string? Detail { get; }
}
