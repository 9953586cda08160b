using Baton.Core.Commands;

namespace Baton.Core.Tests.Commands;

public sealed class CommandTemplateTests
{
    /// <summary>Each word as a readable string: literals as is, placeholders as {name}, dir refs as {dir:...}.</summary>
    private static string[] Words(string command) => CommandTemplate.Parse(command).Words.Select(Show).ToArray();

    private static string Show(IEnumerable<CommandSegment> segments) => string.Concat(segments.Select(s => s switch
    {
        LiteralSegment l => $"<{l.Text}>",
        ArgumentSegment a => $"{{{a.Name}}}",
        BuiltinSegment b => $"{{!{Builtins.NameOf(b.Builtin)}}}",
        DirectoryReferenceSegment d => $"{{dir:{Show(d.TaskName)}}}",
        _ => "?",
    }));

    [Fact]
    public void Words_are_split_on_any_whitespace()
    {
        Assert.Equal(["<a>", "<b>", "<c>", "<d>"], Words("  a  b\tc\n d "));
    }

    [Fact]
    public void Quotes_make_one_literal_word_and_join_with_adjacent_text()
    {
        Assert.Equal(["<echo>", "<a b>", "<c  d>", "<x-y z>"], Words("echo 'a b' \"c  d\" x-'y z'"));
        // An empty quoted word is still a word: it renders as one empty argument.
        Assert.Equal(["<x>", ""], Words("x ''"));
    }

    [Fact]
    public void Braces_inside_quotes_are_literal()
    {
        Assert.Equal(["<awk>", "<{print $1}>", "{file}"], Words("awk '{print $1}' {file}"));
        Assert.Equal(["<{x}>"], Words("\"{x}\""));
        Assert.Empty(CommandTemplate.Parse("awk '{print $1}'").ArgumentNames);
    }

    [Fact]
    public void Double_quotes_escape_only_quote_and_backslash()
    {
        Assert.Equal(["<a \"b\" \\ c>"], Words("\"a \\\"b\\\" \\\\ c\""));
        Assert.Equal(["<a\\nb>"], Words("\"a\\nb\""));
        Assert.Equal(["<it's>"], Words("\"it's\""));
    }

    [Fact]
    public void Outside_quotes_a_backslash_takes_the_next_character_literally()
    {
        Assert.Equal(["<a b>", "<{x}>", "<'>"], Words("a\\ b \\{x\\} \\'"));
    }

    [Fact]
    public void Doubled_braces_are_literal_braces()
    {
        Assert.Equal(["<echo>", "<{x}>", "<{}>"], Words("echo {{x}} {{}}"));
    }

    [Fact]
    public void Placeholders_are_arguments_or_built_ins_and_join_with_literals()
    {
        Assert.Equal(
            ["<sim>", "<--rate=>{rate}", "{!task_dir}</out.txt>", "{!attempt}", "{!attempt_dir}", "{!workflow_dir}", "{!workspace}", "{!upstream_dirs}", "{a}{b}"],
            Words("sim --rate={rate} {task_dir}/out.txt {attempt} {attempt_dir} {workflow_dir} {workspace} {upstream_dirs} {a}{b}"));
    }

    [Fact]
    public void Argument_names_are_listed_once_in_order_of_first_use_including_dir_references()
    {
        var command = CommandTemplate.Parse("x {b} {a} {dir:t-{c}-{a}} {b} {task_dir}");
        Assert.Equal(["b", "a", "c"], command.ArgumentNames);
    }

    [Fact]
    public void Dir_references_hold_a_task_name_pattern()
    {
        Assert.Equal(["<eval>", "{dir:<sim->{rate}<->{seed}}</result.txt>"], Words("eval {dir:sim-{rate}-{seed}}/result.txt"));
        var command = CommandTemplate.Parse("cat {dir:a} {dir:b-{x}}");
        Assert.Equal(2, command.DirectoryReferences.Count());
    }

    [Fact]
    public void Uses_reports_built_ins()
    {
        var command = CommandTemplate.Parse("x {upstream_dirs}");
        Assert.True(command.Uses(Builtin.UpstreamDirs));
        Assert.False(command.Uses(Builtin.TaskDir));
    }

    [Fact]
    public void The_canonical_form_ignores_quoting_and_spacing()
    {
        var plain = CommandTemplate.Parse("sim --rate {rate} --out {task_dir}/x");
        Assert.Equal(plain.Canonical, CommandTemplate.Parse("  'sim'   \"--rate\"\t{rate} --out {task_dir}'/x'  ").Canonical);
        Assert.Equal(plain.Canonical, CommandTemplate.Parse("sim --r\\ate {rate} --out {task_dir}/\"x\"").Canonical);
    }

    [Fact]
    public void The_canonical_form_keeps_word_boundaries_and_placeholder_kinds()
    {
        Assert.NotEqual(CommandTemplate.Parse("a {x}").Canonical, CommandTemplate.Parse("a{x}").Canonical);
        Assert.NotEqual(CommandTemplate.Parse("'a b'").Canonical, CommandTemplate.Parse("a b").Canonical);
        Assert.NotEqual(CommandTemplate.Parse("{x}").Canonical, CommandTemplate.Parse("{{x}}").Canonical);
        Assert.NotEqual(CommandTemplate.Parse("{task_dir}").Canonical, CommandTemplate.Parse("{taskdir}").Canonical);
        Assert.NotEqual(CommandTemplate.Parse("{dir:a}").Canonical, CommandTemplate.Parse("a").Canonical);
    }

    [Fact]
    public void The_text_is_kept_as_written()
    {
        Assert.Equal("  sim  {x} ", CommandTemplate.Parse("  sim  {x} ").Text);
    }

    [Theory]
    [InlineData("echo 'oops", 5, "unterminated single quote")]
    [InlineData("echo \"oops \\\"", 5, "unterminated double quote")]
    [InlineData("echo x\\", 6, "a backslash at the end of the command escapes nothing")]
    [InlineData("echo } x", 5, "'}' without a matching '{' (write '}}' for a literal brace)")]
    [InlineData("echo {x", 5, "'{' without a matching '}' (write '{{' for a literal brace)")]
    [InlineData("echo {a{b}", 5, "'{' without a matching '}' (write '{{' for a literal brace)")]
    [InlineData("echo {a b}", 5, "'{a b}' is not a placeholder: names are letters, digits and '_' (write '{{' for a literal brace)")]
    [InlineData("echo {}", 5, "'{}' is not a placeholder: names are letters, digits and '_' (write '{{' for a literal brace)")]
    [InlineData("echo {1x}", 5, "'{1x}' is not a placeholder: names are letters, digits and '_' (write '{{' for a literal brace)")]
    [InlineData("echo {dir:}", 5, "{dir:} needs a task name")]
    [InlineData("echo {dir:a b}", 11, "a task name in {dir:...} cannot contain whitespace")]
    [InlineData("echo {dir:a-{task_dir}}", 12, "only arguments may appear in a task name inside {dir:...}, not '{task_dir}'")]
    [InlineData("echo {dir:a", 5, "'{dir:' without a matching '}'")]
    [InlineData("echo {dir:a-{x", 12, "'{' without a matching '}'")]
    [InlineData("   ", 0, "the command is empty")]
    [InlineData("", 0, "the command is empty")]
    public void Errors_name_the_offset_of_the_problem(string command, int offset, string message)
    {
        var error = Assert.Throws<CommandTemplateException>(() => CommandTemplate.Parse(command));
        Assert.Equal((offset, message), (error.Offset, error.Message));
    }

    [Theory]
    [InlineData("rate", true)]
    [InlineData("_x1", true)]
    [InlineData("1x", false)]
    [InlineData("a-b", false)]
    [InlineData("", false)]
    [InlineData("é", false)]
    public void Identifiers_are_ascii_letters_digits_and_underscores(string name, bool expected)
    {
        Assert.Equal(expected, CommandTemplate.IsIdentifier(name));
    }
}
