using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Workflows;

namespace Baton.Core.Tests.Workflows;

/// <summary>Compiles YAML given inline; errors are checked as the exact one-line message a user sees.</summary>
internal static class WorkflowTestSupport
{
    public const string FileName = "wf.yaml";

    public static WorkflowGraph Compile(string yaml) => WorkflowCompiler.Compile(yaml, FileName);

    /// <summary>The message of the error the YAML must produce; fails if it compiles.</summary>
    public static string Error(string yaml)
    {
        var error = Assert.Throws<BatonInputException>(() => Compile(yaml));
        Assert.DoesNotContain('\n', error.Message);
        return error.Message;
    }

    public static TaskSpec Task(this WorkflowGraph graph, string name) =>
        graph.TryGetIndex(name, out var i) ? graph.Tasks[i] : throw new InvalidOperationException($"no task '{name}'");

    /// <summary>The names of the tasks a task runs after, in the graph's order for that task.</summary>
    public static string[] UpstreamOf(this WorkflowGraph graph, string name)
    {
        Assert.True(graph.TryGetIndex(name, out var i));
        return graph.Upstream[i].Select(u => graph.Tasks[u].Name).ToArray();
    }

    public static string[] Names(this WorkflowGraph graph) => graph.Tasks.Select(t => t.Name).ToArray();
}
