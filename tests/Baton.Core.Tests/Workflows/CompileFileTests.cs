using Baton.Core.Errors;
using Baton.Core.Workflows;

namespace Baton.Core.Tests.Workflows;

public sealed class CompileFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("baton-wf-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_missing_file_is_an_input_error()
    {
        var path = Path.Combine(_directory, "nope.yaml");
        var error = Assert.Throws<BatonInputException>(() => WorkflowCompiler.CompileFile(path));
        Assert.Equal($"workflow file '{path}' not found", error.Message);
    }

    [Fact]
    public void A_directory_is_not_a_workflow_file()
    {
        var error = Assert.Throws<BatonInputException>(() => WorkflowCompiler.CompileFile(_directory));
        Assert.StartsWith($"workflow file '{_directory}' cannot be read: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_compiles_with_its_full_path_and_directory()
    {
        var path = Path.Combine(_directory, "flow.yaml");
        File.WriteAllText(path, "name: f\ntasks:\n  - { name: a, command: 'sh {workflow_dir}/a.sh' }\n");
        var graph = WorkflowCompiler.CompileFile(path);
        Assert.Equal(path, graph.SourceFile);
        Assert.Equal(_directory, graph.WorkflowDirectory);
    }

    [Fact]
    public void Errors_name_the_path_as_given()
    {
        var path = Path.Combine(_directory, "bad.yaml");
        File.WriteAllText(path, "name: f\ntasks: []\n");
        var error = Assert.Throws<BatonInputException>(() => WorkflowCompiler.CompileFile(path));
        Assert.Equal($"{path}:2:8: tasks is empty: a workflow needs at least one task", error.Message);
        Assert.Equal(new SourceLocation(path, 2, 8), error.Location);
        Assert.Equal("tasks is empty: a workflow needs at least one task", error.Detail);
    }
}
