namespace Baton.Core.Identity;

/// <summary>
/// A task's identity: the SHA-256 digest (lowercase hex) of what defines its result.
/// Same identity = same task = same directory; a Done task is never run again.
/// </summary>
public readonly record struct TaskIdentity
{
    public TaskIdentity(string hex)
    {
        if (hex.Length != 64 || !hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new ArgumentException($"'{hex}' is not a SHA-256 digest in lowercase hex", nameof(hex));
        }
        Hex = hex;
    }

    public string Hex { get; }

    /// <summary>The first 12 hex digits, enough to tell tasks apart in listings.</summary>
    public string ShortHex => Hex[..12];

    public override string ToString() => Hex;
}
