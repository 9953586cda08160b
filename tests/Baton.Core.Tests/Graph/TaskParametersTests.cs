using System.Text.Json;
using Baton.Core.Graph;
using Baton.Core.Tests.Workflows;

namespace Baton.Core.Tests.Graph;

public sealed class TaskParametersTests
{
    [Fact]
    public void Params_json_holds_what_defines_the_task_even_when_long()
    {
        // A command and values well past the writer's first buffer, with text that must not be escaped.
        var longWord = string.Concat(Enumerable.Repeat("ünï<&>+-", 500));
        var yaml = """
            name: params
            templates:
              prep:
                command: prep {n}
                node_args: [n]
              train:
                command: 'train {n} {dir:prep-{n}} {threads} {steps} LONG'
                node_args: [n]
                task_args: [steps]
                op_args: [threads]
            tasks:
              - template: prep
                foreach: { n: [1, 2] }
              - template: train
                args: { threads: 8, steps: 'STEPS' }
                foreach: { n: [1, 2] }
            """
            .Replace("LONG", longWord, StringComparison.Ordinal)
            .Replace("STEPS", new string('9', 3000), StringComparison.Ordinal);
        var graph = WorkflowTestSupport.Compile(yaml);
        Assert.True(graph.TryGetIndex("train-2", out var index));
        var json = TaskParameters.ToJson(graph, index);

        Assert.Contains("\n  \"identity\": ", json, StringComparison.Ordinal);
        Assert.Contains(longWord, json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var task = graph.Tasks[index];
        Assert.Equal(task.Identity.Hex, root.GetProperty("identity").GetString());
        Assert.Equal("train-2", root.GetProperty("name").GetString());
        Assert.Equal(task.Template.Command.Text, root.GetProperty("command").GetString());
        Assert.Equal("2", root.GetProperty("node_args").GetProperty("n").GetString());
        Assert.Equal(new string('9', 3000), root.GetProperty("task_args").GetProperty("steps").GetString());
        Assert.Equal("8", root.GetProperty("op_args").GetProperty("threads").GetString());
        var input = Assert.Single(root.GetProperty("inputs").EnumerateArray());
        Assert.Equal("prep-2", input.GetProperty("name").GetString());
        Assert.Equal(graph.Task("prep-2").Identity.Hex, input.GetProperty("identity").GetString());
    }
}
