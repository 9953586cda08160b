using Baton.Core.Errors;
using Baton.Core.Graph;

namespace Baton.Core.Workflows;

/// <summary>
/// Compiles a workflow file (YAML, documented in docs/workflow-files.md) into a validated
/// <see cref="WorkflowGraph"/>. Every mistake in the file is a <see cref="BatonInputException"/> whose one-line
/// message names the file, line and column of the YAML node at fault. Linear in tasks + edges.
/// </summary>
public static class WorkflowCompiler
{
    /// <summary>Reads and compiles a workflow file; the only I/O of the compiler.</summary>
    public static WorkflowGraph CompileFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw WorkflowErrors.Without($"workflow file '{path}' not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw WorkflowErrors.Without($"workflow file '{path}' cannot be read: {e.Message}", e);
        }
        return Compile(WorkflowText.Decode(bytes, path), path);
    }

    /// <summary>Compiles workflow YAML.</summary>
    /// <param name="yamlText">The file's text.</param>
    /// <param name="sourcePath">The file's path as the user gave it: shown in errors; <c>{workflow_dir}</c> is its directory.</param>
    public static WorkflowGraph Compile(string yamlText, string sourcePath)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        var sourceFile = Path.GetFullPath(sourcePath);
        var workflowDirectory = Path.GetDirectoryName(sourceFile) ?? sourceFile;

        var source = new YamlSource(sourcePath);
        var file = WorkflowFileReader.Read(source, yamlText);
        var templates = TemplateCompiler.CompileAll(source, file);
        var expander = new TaskExpander(source, file, templates);
        expander.ExpandAll();
        var tasks = expander.Tasks;
        var groups = new GroupCompiler(source, file, tasks, expander.ByName, templates);
        groups.CompileAll();
        var dependencies = new DependencyResolver(source, tasks, expander.ByName, templates, groups.TasksByGroup);
        dependencies.ResolveAll();
        var upstream = dependencies.WithEdges(groups.Edges);
        var order = TopologicalSort.Order(upstream, i => tasks[i].Name, i => tasks[i].Entry.Location);
        return GraphAssembler.Assemble(file, sourceFile, workflowDirectory, tasks, upstream, dependencies.Inputs, order, groups);
    }
}
