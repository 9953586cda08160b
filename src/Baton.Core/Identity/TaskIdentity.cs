namespace Baton.Core.Identity;

/// <summary>
/// A task's identity: the SHA-256 digest (lowercase hex) of what defines its result.
/// Same identity = same task = same directory; a Done task is never run again.
/// </summary>
public readonly record struct TaskIdentity
{
    /// <summary>Length of <see cref="Hex"/>: 32 bytes, two digits each.</summary>
    internal const int HexLength = 64;

    public TaskIdentity(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!IsLowercaseHexDigest(hex))
        {
            throw new ArgumentException($"'{hex}' is not a SHA-256 digest in lowercase hex", nameof(hex));
        }
        Hex = hex;
    }

    // Set without the check only by FromDigest, whose text is valid by construction.
    public string Hex { get; private init; }

    /// <summary>The first 12 hex digits, enough to tell tasks apart in listings.</summary>
    public string ShortHex => Hex[..12];

    public override string ToString() => Hex;

    /// <summary>
    /// The identity of a SHA-256 digest. Skips the constructor's check: Convert.ToHexStringLower of 32 bytes is
    /// valid by construction, and re-checking 64 characters per task shows when a workflow compiles 100,000.
    /// </summary>
    internal static TaskIdentity FromDigest(ReadOnlySpan<byte> digest) =>
        digest.Length == 32
            ? new TaskIdentity { Hex = Convert.ToHexStringLower(digest) }
            : throw new ArgumentException("a SHA-256 digest has 32 bytes", nameof(digest));

    private static bool IsLowercaseHexDigest(string hex)
    {
        if (hex.Length != HexLength)
        {
            return false;
        }
        foreach (var c in hex)
        {
            if (!char.IsAsciiDigit(c) && c is < 'a' or > 'f')
            {
                return false;
            }
        }
        return true;
    }
}
