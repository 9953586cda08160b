using System.Text;
using Baton.Core.Errors;
using Baton.Core.Workflows;
using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows.Hostile;

/// <summary>
/// Documents a hostile user writes to crash, stall or fool the reader (issue 16): each is one located line, never
/// a stack overflow, a minute of CPU or another exception.
/// </summary>
public sealed class HostileDocumentTests
{
    private const string Tasks = "tasks: [{ name: a, command: echo a }]\n";

    [Fact]
    public void A_map_key_that_contains_itself_is_refused_not_a_stack_overflow()
    {
        Assert.Equal("wf.yaml:1:3: anchors such as &a are not supported in workflow files: write the value out", Error("? &a [*a]\n"));
    }

    [Fact]
    public void Sixty_thousand_nested_lists_are_refused_at_the_depth_limit()
    {
        var yaml = "name: a\n" + Tasks + "x: " + new string('[', 60_000);
        Assert.Equal($"wf.yaml:3:{3 + GuardedParser.MaxDepth}: lists and maps nest more than {GuardedParser.MaxDepth} levels deep here", Error(yaml));
    }

    [Fact]
    public void Deeply_nested_maps_are_refused_at_the_depth_limit()
    {
        var yaml = string.Concat(Enumerable.Repeat("{a: ", 50_000));
        Assert.Contains("nest more than 32 levels deep", Error(yaml), StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_bomb_used_as_a_key_is_refused_at_its_first_anchor()
    {
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= 10; i++)
        {
            yaml.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n");
        }
        yaml.Append("? *a10\n: boom\n");
        Assert.Equal("wf.yaml:1:5: anchors such as &a0 are not supported in workflow files: write the value out", Error(yaml.ToString()));
    }

    [Fact]
    public void An_alias_alone_is_refused()
    {
        Assert.Equal("wf.yaml:1:7: aliases such as *x are not supported in workflow files: write the value out", Error("name: *x\n" + Tasks));
    }

    // The first three made YamlDotNet throw InvalidOperationException (not YamlException): an internal error, exit 70.
    [Theory]
    [InlineData("...\nname: a\n")]
    [InlineData("...\n...\nx")]
    [InlineData("t:\n  n: [x]\n  _m: 50% }\n  k: { l\n  t: [y]\n")]
    [InlineData("name: a\n" + Tasks + "...\ngarbage: [\n")]
    [InlineData("...\nname: a\n" + Tasks)]
    [InlineData("name: a\n" + Tasks + "... x\n")]
    [InlineData("--- !a\n...\n")]
    [InlineData("%YAML 1.1\n%YAML 1.1\n---\nname: a\n")]
    [InlineData("%TAG ! !x\n%TAG ! !x\n--- a\n")]
    [InlineData("name: !<tag:yaml.org,2002:str a\n")]
    [InlineData("? [a\n")]
    [InlineData("{ ? : }: ] x\n")]
    public void Malformed_yaml_of_every_kind_is_a_located_input_error(string yaml)
    {
        var error = Assert.Throws<BatonInputException>(() => Compile(yaml));
        Assert.NotNull(error.Location);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_duplicate_key_with_a_tag_is_refused_at_the_top_level()
    {
        Assert.Equal("wf.yaml:2:1: duplicate key 'name' (first at line 1)", Error("name: a\n!!str name: b\n" + Tasks));
    }

    [Fact]
    public void A_duplicate_key_with_a_tag_is_refused_inside_a_map()
    {
        const string yaml = """
            name: a
            tasks:
              - name: a
                !!str name: b
                command: echo a
            """;
        Assert.Equal("wf.yaml:4:5: duplicate key 'name' (first at line 3)", Error(yaml));
    }

    [Fact]
    public void A_runtime_beyond_what_a_date_can_hold_is_refused()
    {
        const string yaml = """
            name: a
            tasks:
              - { name: a, command: echo a, resources: { runtime: 2913000d } }
            """;
        Assert.Equal("wf.yaml:3:55: runtime '2913000d' is too large: at most 365d", Error(yaml));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData(".hidden")]
    public void A_workflow_name_that_is_not_a_safe_directory_name_is_refused(string name)
    {
        Assert.Equal(
            $"wf.yaml:1:7: workflow name '{name}' is not valid: use letters, digits, '-', '_' and '.', not starting with '.'",
            Error($"name: '{name}'\n" + Tasks));
    }

    [Theory]
    [InlineData("ab\u202Ecd", "U+202E")]
    [InlineData("a\u200Bb", "U+200B")]
    [InlineData("a\u2066b", "U+2066")]
    [InlineData("\uFEFFa", "U+FEFF")]
    public void Task_names_with_bidi_or_invisible_characters_are_refused(string name, string code)
    {
        var error = Error($"name: w\ntasks: [{{ name: \"{name}\", command: echo a }}]\n");
        Assert.EndsWith($"is not valid: it contains the invisible or direction-changing character {code}", error, StringComparison.Ordinal);
        // The error itself shows the character escaped, not acting on the terminal.
        Assert.Contains("\\u" + code[2..].ToLowerInvariant(), error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tags_and_attribute_names_with_invisible_characters_are_refused()
    {
        Assert.Contains("tag 'a\\u200bb' is not valid", Error("name: w\ntasks: [{ name: a, command: echo a, tags: [\"a\\u200Bb\"] }]\n"), StringComparison.Ordinal);
        Assert.Contains("attribute name 'a\\u202eb' is not valid", Error("name: w\nattributes: { \"a\\u202Eb\": x }\n" + Tasks), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("256")]
    [InlineData("-1")]
    [InlineData("0")]
    public void Retry_exit_codes_are_within_1_to_255(string code)
    {
        var error = Error($"name: w\ndefaults: {{ retry_on_exit_codes: [{code}] }}\n" + Tasks);
        Assert.Equal($"wf.yaml:2:35: an exit code in retry_on_exit_codes '{code}' is not a whole number from 1 to 255", error);
    }

    [Fact]
    public void A_ten_megabyte_invalid_name_is_quoted_short_with_its_length()
    {
        var name = new string('x', 10_000_000) + " y";
        var error = Error($"name: w\ntasks: [{{ name: '{name}', command: echo a }}]\n");
        Assert.True(error.Length < 400, $"an error of {error.Length} characters");
        Assert.Contains("… (10,000,002 characters)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_with_terminal_escapes_is_quoted_escaped()
    {
        var error = Error("name: \"\\e[2J\\a\\nx\"\n" + Tasks);
        Assert.StartsWith("wf.yaml:1:7: workflow name '\\u001b[2J\\u0007\\nx' is not valid", error, StringComparison.Ordinal);
    }
}
