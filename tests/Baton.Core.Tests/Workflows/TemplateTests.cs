using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary>Template rules: the command parses, arguments are declared once, used, and not built-ins.</summary>
public sealed class TemplateTests
{
    private static string WithTemplate(string templateBody, string task = "  - { template: sim, args: { x: 1 } }") =>
        $"name: a\ntemplates:\n  sim:\n{templateBody}\ntasks:\n{task}\n";

    [Fact]
    public void Command_errors_point_at_the_character_in_a_plain_scalar()
    {
        // Line 4 is "    command: echo 'oops"; the command starts at column 14, the quote is at offset 5.
        Assert.Equal(
            "wf.yaml:4:19: invalid command: unterminated single quote",
            Error(WithTemplate("    command: echo 'oops\n    node_args: [x]")));
    }

    [Fact]
    public void Command_errors_point_at_the_character_in_a_quoted_scalar()
    {
        // The scalar starts at its opening quote (column 14); the value starts one column later.
        Assert.Equal(
            "wf.yaml:4:20: invalid command: '}' without a matching '{' (write '}}' for a literal brace)",
            Error(WithTemplate("    command: \"echo } {x}\"\n    node_args: [x]")));
        Assert.Equal(
            "wf.yaml:4:20: invalid command: '}' without a matching '{' (write '}}' for a literal brace)",
            Error(WithTemplate("    command: 'echo } {x}'\n    node_args: [x]")));
    }

    [Fact]
    public void Command_errors_in_a_block_scalar_point_at_the_scalar()
    {
        Assert.Equal(
            "wf.yaml:4:14: invalid command: a backslash at the end of the command escapes nothing",
            Error(WithTemplate("    command: >-\n      echo {x} \\\n    node_args: [x]")));
    }

    [Fact]
    public void Command_errors_with_yaml_escapes_point_at_the_scalar()
    {
        // "\t" is two characters in the file but one in the value: offsets no longer map to columns.
        Assert.Equal(
            "wf.yaml:4:14: invalid command: unterminated single quote",
            Error(WithTemplate("    command: \"echo\\t{x} 'oops\"\n    node_args: [x]")));
    }

    [Fact]
    public void An_empty_command_is_an_error()
    {
        Assert.Equal("wf.yaml:4:15: invalid command: the command is empty", Error(WithTemplate("    command: '  '", "  - { template: sim }")));
    }

    [Fact]
    public void Undeclared_placeholders_are_errors_at_the_command()
    {
        Assert.Equal(
            "wf.yaml:4:14: the command uses {rat}, which is not declared in node_args, task_args or op_args (did you mean 'rate'?)",
            Error(WithTemplate("    command: sim {rate} {rat}\n    node_args: [rate]", "  - { template: sim, args: { rate: 1 } }")));
        Assert.Equal(
            "wf.yaml:4:14: the command uses {seed}, which is not declared in node_args, task_args or op_args",
            Error(WithTemplate("    command: sim {dir:prep-{seed}}", "  - { template: sim }")));
    }

    [Fact]
    public void Declared_arguments_the_command_never_uses_are_errors()
    {
        Assert.Equal(
            "wf.yaml:6:18: argument 'y' is declared but the command never uses it (write {y} in the command or remove it)",
            Error(WithTemplate("    command: sim {x} {z}\n    node_args: [x]\n    op_args: [z, y]")));
    }

    [Fact]
    public void Argument_names_must_be_identifiers()
    {
        Assert.Equal(
            "wf.yaml:5:17: argument name 'learning-rate' is not valid: names are letters, digits and '_', not starting with a digit",
            Error(WithTemplate("    command: sim\n    node_args: [learning-rate]")));
        Assert.Equal(
            "wf.yaml:5:17: argument name '1x' is not valid: names are letters, digits and '_', not starting with a digit",
            Error(WithTemplate("    command: sim\n    node_args: [1x]")));
    }

    [Fact]
    public void Argument_names_must_not_be_built_ins()
    {
        Assert.Equal(
            "wf.yaml:5:17: argument name 'task_dir' is not valid: {task_dir} is a built-in placeholder",
            Error(WithTemplate("    command: sim {task_dir}\n    node_args: [task_dir]")));
    }

    [Fact]
    public void Argument_names_are_unique_across_the_three_lists()
    {
        Assert.Equal(
            "wf.yaml:6:15: argument 'x' is declared twice (in node_args and op_args)",
            Error(WithTemplate("    command: sim {x}\n    node_args: [x]\n    op_args: [x]")));
        Assert.Equal(
            "wf.yaml:5:20: argument 'x' is declared twice (in node_args and node_args)",
            Error(WithTemplate("    command: sim {x}\n    node_args: [x, x]")));
    }

    [Fact]
    public void Argument_lists_must_be_lists_of_names()
    {
        Assert.Equal(
            "wf.yaml:5:16: node_args must be a list such as [rate, seed], not the value 'x'",
            Error(WithTemplate("    command: sim {x}\n    node_args: x")));
        Assert.Equal(
            "wf.yaml:5:17: an entry of node_args must be a single value, not a list",
            Error(WithTemplate("    command: sim {x}\n    node_args: [[x]]")));
    }

    [Fact]
    public void A_one_off_command_has_no_argument_placeholders()
    {
        Assert.Equal(
            "wf.yaml:4:14: the command uses {x}, but a one-off command: task has no arguments (use a template with node_args, task_args or op_args)",
            Error("name: a\ntasks:\n  - name: a\n    command: echo {x}\n"));
    }

    [Fact]
    public void A_one_off_command_may_use_built_ins()
    {
        var task = Compile("name: a\ntasks:\n  - name: a\n    command: echo {task_dir} {attempt} {attempt_dir} {workflow_dir} {workspace} {upstream_dirs}\n").Task("a");
        Assert.Equal(7, task.Command.Template.Words.Count);
    }

    [Fact]
    public void Unused_templates_are_checked_too()
    {
        Assert.Equal(
            "wf.yaml:4:14: the command uses {x}, which is not declared in node_args, task_args or op_args",
            Error(WithTemplate("    command: sim {x}", "  - { name: a, command: echo a }")));
    }
}
