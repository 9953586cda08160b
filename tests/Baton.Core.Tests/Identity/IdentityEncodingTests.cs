using Baton.Core.Commands;
using Baton.Core.Identity;

namespace Baton.Core.Tests.Identity;

/// <summary>
/// <see cref="CommandTaskIdentity.Compute"/> writes the canonical text as UTF-8 straight into a buffer, with the
/// template's part encoded once; these cases check that it hashes exactly <see cref="CommandTaskIdentity.CanonicalText"/>
/// where the fast path could slip: non-ASCII and unpaired surrogates, texts past the stack buffer, inputs.
/// </summary>
public sealed class IdentityEncodingTests
{
    private static readonly TaskIdentity A = new(new string('a', 64));
    private static readonly TaskIdentity B = new("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    public static TheoryData<string, string, string[], string[], string[], string[], TaskIdentity[]> Cases() => new()
    {
        { "t", "run {x}", ["x"], [], [], ["x", "1"], [] },
        { "t", "run {b} {a} {c}", ["b", "a"], ["c"], [], ["a", "1", "b", "2", "c", "3"], [A, B, A] },
        { "t", "run {z} {y} {op}", ["z"], ["y"], ["op"], ["z", "ünïcødé ✓ 日本語 🎉", "y", "line\nvalue 3:abc\n", "op", "ignored"], [B] },
        { "tëmplate", "ëcho {v} {dir:up-{v}}", ["v"], [], [], ["v", "\ud800 lone \udc00 surrogates \ud83c"], [A] },
        { "t", "run {v}", ["v"], [], [], ["v", new string('x', 5000)], [] },
        { "t", "run {v} " + string.Concat(Enumerable.Repeat("{dir:u} ", 40)), [], ["v"], [], ["v", "1"], [.. Enumerable.Repeat(B, 40)] },
        { "command", "true", [], [], [], [], [] },
        { "t", "run {a} {b} {c} {d} {e} {f} {g} {h} {i}", ["i", "h", "g", "f", "e"], ["d", "c", "b"], ["a"],
            ["a", "", "b", "", "c", "3", "d", "4", "e", "5", "f", "6", "g", "7", "h", "8", "i", "9"], [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compute_hashes_exactly_the_canonical_text(
        string template, string command, string[] nodeArgs, string[] taskArgs, string[] opArgs, string[] pairs, TaskIdentity[] inputs)
    {
        var parsed = CommandTemplate.Parse(command);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < pairs.Length; i += 2)
        {
            values.Add(pairs[i], pairs[i + 1]);
        }
        var text = CommandTaskIdentity.CanonicalText(template, parsed, nodeArgs, taskArgs, opArgs, values, inputs);
        var expected = CommandTaskIdentity.Hash(text);

        Assert.Equal(expected, CommandTaskIdentity.Compute(template, parsed, nodeArgs, taskArgs, opArgs, values, inputs));

        // The compiler's path: one encoder per template, inputs as indices into the identities computed so far,
        // one hash reused from task to task.
        var encoder = new CommandIdentityEncoder(template, parsed, nodeArgs, taskArgs, opArgs);
        var known = inputs.Reverse().Prepend(A).ToArray();
        var indices = inputs.Select((_, k) => known.Length - 1 - k).ToArray();
        using var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.Equal(expected, encoder.Compute(values, indices, known, sha256));
        Assert.Equal(expected, encoder.Compute(values, indices, known, sha256));
        Assert.Equal(expected, encoder.Compute(values, inputs));
    }

    [Fact]
    public void Hash_is_sha256_of_the_utf8_text()
    {
        const string text = "ünïcødé ✓\n";
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))),
            CommandTaskIdentity.Hash(text).Hex);
        var long_ = new string('é', 3000);
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(long_))),
            CommandTaskIdentity.Hash(long_).Hex);
    }

    [Fact]
    public void A_missing_value_is_an_error_as_before()
    {
        Assert.Throws<KeyNotFoundException>(() => CommandTaskIdentity.Compute(
            "t", CommandTemplate.Parse("run {x}"), ["x"], [], [], new Dictionary<string, string>(), []));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa٣")]
    public void Only_lowercase_hex_digests_are_identities(string hex) =>
        Assert.Throws<ArgumentException>(() => new TaskIdentity(hex));

    [Fact]
    public void Every_hex_digit_is_accepted()
    {
        const string hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        Assert.Equal(hex, new TaskIdentity(hex).Hex);
    }
}
