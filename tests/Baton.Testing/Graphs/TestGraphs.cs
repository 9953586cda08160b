using System.Text.Json;
using Baton.Core.Graph;
using Baton.Core.Workspaces;

namespace Baton.Testing.Graphs;

/// <summary>Ready-made graphs and the per-task inputs that registering a graph in a store needs.</summary>
public static class TestGraphs
{
    /// <summary>
    /// A large workflow: <paramref name="count"/> tasks where task <c>i</c> runs after task <c>(i - 1) / 2</c>
    /// (a binary tree, count - 1 edges) and every tenth task also after task <c>i - 1</c>.
    /// </summary>
    public static WorkflowGraph Large(int count, string workflowName = "large", string valuePrefix = "v")
    {
        var template = TestGraphBuilder.CreateTemplate(TestGraphBuilder.DefaultTemplate);
        var tasks = new TaskSpec[count];
        var upstream = new int[count][];
        for (var i = 0; i < count; i++)
        {
            tasks[i] = TestGraphBuilder.CreateTask(template, $"task-{i:D6}", $"{valuePrefix}{i}", tags: i % 2 == 0 ? ["even"] : ["odd"]);
            upstream[i] = i == 0 ? [] : i % 10 == 0 ? [(i - 1) / 2, i - 1] : [(i - 1) / 2];
        }
        return new WorkflowGraph(workflowName, new Dictionary<string, string>(), $"/workflows/{workflowName}.yaml", "/workflows", tasks, upstream);
    }

    /// <summary>Each task's directory in a workspace at <paramref name="workspace"/>, by graph index.</summary>
    public static string[] Directories(WorkflowGraph graph, string workspace = "/workspace")
    {
        var layout = new WorkspaceLayout(workspace);
        return graph.Tasks.Select(t => layout.TaskDirectory(t.Template.Name, t.Identity)).ToArray();
    }

    /// <summary>A small params.json per task, by graph index; <paramref name="extra"/> lets a test change it.</summary>
    public static string[] ParamsJson(WorkflowGraph graph, string extra = "") =>
        graph.Tasks.Select(t => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["identity"] = t.Identity.Hex,
            ["template"] = t.Template.Name,
            ["command"] = t.Template.Command.Text,
            ["value"] = t.Command.Arguments[TestGraphBuilder.ValueArgument],
            ["extra"] = extra,
        })).ToArray();
}
