using System.Text;
using Baton.Core.Commands;

namespace Baton.Core.Tests.Commands;

public sealed class TaskCommandTests
{
    private sealed class Environment : ICommandEnvironment
    {
        public string TaskDirectory => "/ws/tasks/t/abc";
        public string AttemptDirectory => "/ws/tasks/t/abc/attempts/2";
        public int Attempt => 2;
        public string WorkflowDirectory => "/flows";
        public string Workspace => "/ws";
        public string UpstreamDirsFile => "/ws/tasks/t/abc/upstream_dirs";
        public string DirectoryOf(string upstreamTaskName) => $"/ws/tasks/of/{upstreamTaskName}";
    }

    private static string[] Render(string command, params (string Name, string Value)[] values) =>
        new TaskCommand(CommandTemplate.Parse(command), values.ToDictionary(v => v.Name, v => v.Value)).Render(new Environment());

    [Theory]
    [InlineData("a; rm -rf ~")]
    [InlineData("two words")]
    [InlineData("  leading and trailing  ")]
    [InlineData("it's \"quoted\"")]
    [InlineData("$(touch /tmp/pwned) `id` $HOME")]
    [InlineData("line one\nline two\r\n")]
    [InlineData("tab\there")]
    [InlineData("ünïcødé ✓ 日本語 🎉")]
    [InlineData("{not_a_placeholder} {{x}}")]
    [InlineData("\\ backslash \\\\")]
    [InlineData("*.txt ?")]
    [InlineData("")]
    public void A_value_is_exactly_one_argument_byte_for_byte(string value)
    {
        var argv = Render("prog --x {x} {x}", ("x", value));
        Assert.Equal(["prog", "--x", value, value], argv);
        Assert.Equal(Encoding.UTF8.GetBytes(value), Encoding.UTF8.GetBytes(argv[2]));
    }

    [Fact]
    public void A_value_joined_with_literal_text_stays_one_argument()
    {
        Assert.Equal(["prog", "--out=a b; c/x"], Render("prog --out={x}/x", ("x", "a b; c")));
    }

    [Fact]
    public void Built_ins_come_from_the_environment()
    {
        Assert.Equal(
            ["run", "/ws/tasks/t/abc/out", "2", "/ws/tasks/t/abc/attempts/2", "/flows/s.sh", "/ws", "/ws/tasks/t/abc/upstream_dirs"],
            Render("run {task_dir}/out {attempt} {attempt_dir} {workflow_dir}/s.sh {workspace} {upstream_dirs}"));
    }

    [Fact]
    public void Dir_references_are_expanded_with_the_arguments_and_resolved_by_the_environment()
    {
        var command = new TaskCommand(CommandTemplate.Parse("eval {dir:sim-{rate}}/r.txt {dir:prep}"), new Dictionary<string, string> { ["rate"] = "0.5" });
        Assert.Equal(["sim-0.5", "prep"], command.DirectoryReferences);
        Assert.Equal(["eval", "/ws/tasks/of/sim-0.5/r.txt", "/ws/tasks/of/prep"], command.Render(new Environment()));
    }

    [Fact]
    public void Quoted_template_text_renders_without_the_quotes()
    {
        Assert.Equal(["awk", "{print $1}", "in file"], Render("awk '{print $1}' \"in file\""));
    }

    [Fact]
    public void An_empty_quoted_word_renders_as_an_empty_argument()
    {
        Assert.Equal(["prog", "", "x"], Render("prog '' x"));
    }

    [Fact]
    public void Display_quotes_only_words_that_need_it()
    {
        Assert.Equal("prog --x=1 'a b' '' 'it'\\''s'", TaskCommand.Display(["prog", "--x=1", "a b", "", "it's"]));
    }
}
