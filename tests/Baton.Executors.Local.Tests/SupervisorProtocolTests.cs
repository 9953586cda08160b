using System.Text;

namespace Baton.Executors.Local.Tests;

public sealed class SupervisorProtocolTests
{
    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("tab\there")]
    [InlineData("line one\nline two")]
    [InlineData("back\\slash\\n and \\t literally")]
    [InlineData("\\")]
    [InlineData("\t\n\\\r")]
    [InlineData("héllo wörld ✓ 日本語 🎉")]
    [InlineData("$(x) `y` 'z' \"w\" ; | & > <")]
    public void A_field_survives_escaping_byte_for_byte(string value)
    {
        var line = new ProtocolLine().Begin("w"u8).Add(value).Add(42).Add("").End();

        Assert.Equal(1, line.Count((byte)'\n'));
        var fields = new SupervisorProtocol.Fields(line[..^1]);
        Assert.True(fields.Next("word").SequenceEqual("w"u8));
        Assert.Equal(value, SupervisorProtocol.DecodeString(fields.Next("value")));
        Assert.True(SupervisorProtocol.TryParseInt64(fields.Next("number"), out var number));
        Assert.Equal(42, number);
        Assert.Equal("", SupervisorProtocol.DecodeString(fields.Next("empty")));
        Assert.False(fields.TryNext(out _));
    }

    [Theory]
    [InlineData("a\\")]
    [InlineData("a\\x")]
    public void A_bad_escape_is_a_format_error(string field)
    {
        Assert.Throws<FormatException>(() => SupervisorProtocol.DecodeString(Encoding.UTF8.GetBytes(field)));
    }
}
