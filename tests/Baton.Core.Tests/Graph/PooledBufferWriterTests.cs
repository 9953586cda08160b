using Baton.Core.Graph;

namespace Baton.Core.Tests.Graph;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Keeps_what_was_written_while_it_grows()
    {
        using var writer = new PooledBufferWriter(4);
        var expected = new List<byte>();
        for (var round = 0; round < 50; round++)
        {
            // Ask for more than is left, as Utf8JsonWriter does, and write only part of it.
            var span = writer.GetSpan(round * 37);
            Assert.True(span.Length >= Math.Max(round * 37, 1));
            var count = Math.Max(1, round * 29);
            for (var k = 0; k < count; k++)
            {
                span[k] = (byte)(round + k);
                expected.Add((byte)(round + k));
            }
            writer.Advance(count);
            Assert.True(writer.GetMemory().Length >= 1);
        }
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Refuses_to_advance_past_its_buffer()
    {
        using var writer = new PooledBufferWriter(16);
        var length = writer.GetSpan().Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(length + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
    }
}
