using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary>Task hooks in a workflow file: where they may be written, how they fall through, what they may use.</summary>
public sealed class TaskHookTests
{
    [Fact]
    public void Hooks_fall_through_from_defaults_to_templates_to_task_entries_each_on_its_own()
    {
        var graph = Compile("""
            name: hooks
            defaults:
              on_failure: notify failed {task_dir}
              on_end: notify ended
            templates:
              train:
                command: python train.py {seed}
                node_args: [seed]
                on_start: notify start {seed} {attempt}
            tasks:
              - { name: 'train-{seed}', template: train, foreach: { seed: [1, 2] } }
              - { name: special, template: train, args: { seed: 3 }, on_end: 'notify special {seed}' }
              - { name: plain, command: echo plain }
            """);

        var train = graph.Task("train-1").Hooks;
        Assert.Equal("notify start {seed} {attempt}", train.OnStart?.Text);
        Assert.Null(train.OnSuccess);
        Assert.Equal("notify failed {task_dir}", train.OnFailure?.Text);
        Assert.Equal("notify ended", train.OnEnd?.Text);
        var special = graph.Task("special").Hooks;
        Assert.Equal("notify start {seed} {attempt}", special.OnStart?.Text);
        Assert.Equal("notify special {seed}", special.OnEnd?.Text);
        var plain = graph.Task("plain").Hooks;
        Assert.Null(plain.OnStart);
        Assert.Equal("notify ended", plain.OnEnd?.Text);
    }

    [Fact]
    public void Hooks_are_not_part_of_a_tasks_identity()
    {
        const string Without = """
            name: hooks
            tasks:
              - { name: a, command: echo a }
            """;
        var with = Compile(Without.Replace("echo a }", "echo a, on_success: notify done }", StringComparison.Ordinal));

        Assert.Equal(Compile(Without).Task("a").Identity, with.Task("a").Identity);
        Assert.NotNull(with.Task("a").Hooks.OnSuccess);
    }

    [Theory]
    [InlineData("on_start: notify {sede}", "wf.yaml:6:15: ", "the on_start hook uses {sede}, which is not an argument of template 'train'")]
    [InlineData("on_end: cat {upstream_dirs}", "wf.yaml:6:13: ", "the on_end hook cannot use {dir:...} or {upstream_dirs}")]
    [InlineData("on_success: sh -c 'echo {seed}'", "wf.yaml:6:", "invalid on_success hook: ")]
    [InlineData("on_failure: notify {seed", "wf.yaml:6:", "invalid on_failure hook: ")]
    [InlineData("on_start: [a, b]", "wf.yaml:6:", "on_start")]
    public void Hook_mistakes_are_errors_at_the_hook(string hook, string location, string message)
    {
        var error = Error($$"""
            name: bad
            templates:
              train:
                command: python train.py {seed}
                node_args: [seed]
                {{hook}}
            tasks:
              - { name: t, template: train, args: { seed: 1 } }
            """);
        Assert.StartsWith(location, error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
