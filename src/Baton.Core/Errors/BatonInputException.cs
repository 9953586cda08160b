namespace Baton.Core.Errors;

/// <summary>
/// A user's input is wrong: a workflow file, a command-line value, a workspace that cannot be used.
/// Hosts print <see cref="Exception.Message"/> as one line (no stack trace) and exit with code 2.
/// </summary>
public class BatonInputException : Exception
{
    public BatonInputException(string message) : base(message) { }

    public BatonInputException(string message, Exception inner) : base(message, inner) { }

    public BatonInputException(SourceLocation location, string message) : base($"{location}: {message}")
    {
        Location = location;
        Detail = message;
    }

    public BatonInputException() { }

    /// <summary>Where in a file the problem is, when it is in a file.</summary>
    public SourceLocation? Location { get; }

    /// <summary>The message without the location prefix.</summary>
    public string? Detail { get; }
}
