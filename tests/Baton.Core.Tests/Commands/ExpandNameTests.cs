using Baton.Core.Commands;

namespace Baton.Core.Tests.Commands;

public sealed class ExpandNameTests
{
    private static readonly Dictionary<string, string> Values = new() { ["a"] = "1", ["b"] = "two", ["e"] = "" };

    [Theory]
    [InlineData("{dir:prep}", "prep")]
    [InlineData("{dir:{b}}", "two")]
    [InlineData("{dir:sim-{a}}", "sim-1")]
    [InlineData("{dir:{a}-{b}}", "1-two")]
    [InlineData("{dir:x{e}y}", "xy")]
    [InlineData("{dir:{e}}", "")]
    [InlineData("{dir:t-{a}-{b}-ü}", "t-1-two-ü")]
    public void Expands_literals_and_arguments_in_order(string command, string expected)
    {
        var reference = CommandTemplate.Parse("run " + command).DirectoryReferences.Single();
        Assert.Equal(expected, TaskCommand.ExpandName(reference.TaskName, Values));
        Assert.Equal([expected], new TaskCommand(CommandTemplate.Parse("run " + command), Values).DirectoryReferences);
    }

    [Fact]
    public void An_empty_pattern_is_empty_and_an_unknown_argument_is_an_error()
    {
        Assert.Equal("", TaskCommand.ExpandName([], Values));
        Assert.Throws<KeyNotFoundException>(() => TaskCommand.ExpandName([new LiteralSegment("x-"), new ArgumentSegment("nope")], Values));
    }

    [Fact]
    public void A_command_without_references_has_none()
    {
        Assert.Empty(new TaskCommand(CommandTemplate.Parse("run {a}"), Values).DirectoryReferences);
    }
}
