using System.Text.RegularExpressions;
using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary>The YAML examples of docs/workflow-files.md are complete workflows that compile.</summary>
public sealed partial class DocumentationExampleTests
{
    [GeneratedRegex("^```yaml\\n(?<body>.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex YamlBlock();

    private static string[] Examples() =>
        YamlBlock().Matches(File.ReadAllText(RepositoryFiles.PathOf("docs", "workflow-files.md")))
            .Select(m => m.Groups["body"].Value)
            .ToArray();

    [Fact]
    public void Every_yaml_example_compiles()
    {
        var examples = Examples();
        Assert.NotEmpty(examples);
        Assert.All(examples, yaml => Compile(yaml));
    }

    [Fact]
    public void The_first_example_is_the_one_the_tests_check()
    {
        Assert.Equal(Compile(ExampleWorkflowTests.Example).DagHash, Compile(Examples()[0]).DagHash);
    }

    [Fact]
    public void The_quickstart_example_compiles()
    {
        var graph = Baton.Core.Workflows.WorkflowCompiler.CompileFile(RepositoryFiles.PathOf("examples", "quickstart", "workflow.yaml"));
        Assert.Equal("quickstart", graph.Name);
    }
}
