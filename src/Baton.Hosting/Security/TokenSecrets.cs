using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Baton.Hosting.Security;

/// <summary>
/// Token secrets: 256 random bits, shown once, and their SHA-256, which is all the store keeps. A secret of that
/// entropy needs no slow hash: nobody can guess one from its hash.
/// </summary>
public static class TokenSecrets
{
    /// <summary>Every secret starts with it, so that secret scanners and people can tell one.</summary>
    public const string Prefix = "baton_";

    public static string NewSecret() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The SHA-256 of <paramref name="secret"/> in lowercase hex.</summary>
    public static string Hash(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
    }

    /// <summary>Whether <paramref name="secret"/> hashes to <paramref name="hash"/>, compared in constant time.</summary>
    public static bool Matches(string secret, string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(hash));
    }
}
