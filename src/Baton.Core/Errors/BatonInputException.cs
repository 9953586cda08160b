namespace Baton.Core.Errors;

/// <summary>
/// A user's input is wrong: a workflow file, a command-line value, a workspace that cannot be used.
/// Hosts print <see cref="Exception.Message"/> as one line (no stack trace) and exit with code 2: the message is
/// made one line of bounded length here, whatever it quotes (<see cref="QuotedText"/>).
/// </summary>
public class BatonInputException : Exception
{
    public BatonInputException(string message) : base(QuotedText.OneLine(message)) { }

    public BatonInputException(string message, Exception inner) : base(QuotedText.OneLine(message), inner) { }

    public BatonInputException(SourceLocation location, string message) : base(QuotedText.OneLine($"{location}: {message}"))
    {
        Location = location;
        Detail = QuotedText.OneLine(message);
    }

    public BatonInputException() { }

    /// <summary>Where in a file the problem is, when it is in a file.</summary>
    public SourceLocation? Location { get; }

    /// <summary>The message without the location prefix.</summary>
    public string? Detail { get; }
}
