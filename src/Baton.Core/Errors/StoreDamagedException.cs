namespace Baton.Core.Errors;

/// <summary>
/// The store's file is damaged (a page overwritten, a disk error): not a bug in Baton and not fixable by running
/// again. Hosts print the one-line message, which names the file and the way to recover
/// (<c>baton store check</c>), and exit with their own code for it (the CLI: 3).
/// </summary>
public sealed class StoreDamagedException : BatonInputException
{
    public StoreDamagedException(string message, Exception inner) : base(message, inner) { }

    public StoreDamagedException(string message) : base(message) { }

    public StoreDamagedException() { }
}
