using Baton.Core.Commands;
using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary>
/// A <c>{placeholder}</c> naming an argument or a built-in inside a quoted literal would reach the program as the
/// text "{name}": it is an error with file, line and column that says how to write it either way.
/// </summary>
public sealed class QuotedPlaceholderTests
{
    [Fact]
    public void A_quoted_built_in_is_an_error_at_its_line_and_column()
    {
        // Line 4 is "    command: sh -c 'cat {task_dir}/x'"; the command starts at column 14, "{" is at offset 13.
        var error = Error("name: a\ntasks:\n  - name: t\n    command: sh -c 'cat {task_dir}/x'\n");
        Assert.StartsWith("wf.yaml:4:25: invalid command: {task_dir} is inside quotes, where it stays literal text and is not replaced", error, StringComparison.Ordinal);
        Assert.Contains("sh -c 'cat \"$1\"' sh {task_dir}", error, StringComparison.Ordinal);
        Assert.Contains("close the quotes and write {{task_dir}}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_argument_of_the_template_is_an_error_in_double_quotes_too()
    {
        var error = Error("name: a\ntemplates:\n  sim:\n    command: sh -c \"echo {seed}\" {seed}\n    node_args: [seed]\ntasks:\n  - { template: sim, args: { seed: 1 } }\n");
        Assert.StartsWith("wf.yaml:4:26: invalid command: {seed} is inside quotes", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("awk '{print $1}' {seed}")]
    [InlineData("sh -c 'echo ${seed} {other}' {seed}")]
    [InlineData("sh -c 'echo $1' sh {seed}")]
    [InlineData("echo '{{task_dir}}' {seed}")]
    [InlineData("echo 'cat '{{task_dir}} {seed}")]
    public void Braces_that_name_no_argument_or_built_in_stay_literal_in_quotes(string command)
    {
        var graph = Compile($"name: a\ntemplates:\n  sim:\n    command: {command}\n    node_args: [seed]\ntasks:\n  - {{ template: sim, args: {{ seed: 1 }} }}\n");
        Assert.Single(graph.Tasks);
    }

    [Fact]
    public void Closing_the_quotes_and_doubling_the_braces_gives_the_literal_text()
    {
        var template = CommandTemplate.Parse("sh -c 'echo '{{task_dir}}");
        Assert.Equal("echo {task_dir}", Assert.IsType<LiteralSegment>(Assert.Single(template.Words[2])).Text);
    }
}
