using System.Text.Json;

namespace Baton.Packaging.Tests;

/// <summary>
/// Baton installed as a user installs it without a clone: the tool installed with <c>dotnet tool install</c> from the
/// packages that <c>scripts/pack</c> writes, and the quickstart run from a folder outside the clone.
/// </summary>
public sealed class ToolPackageTests(PackagesFixture packages) : IClassFixture<PackagesFixture>
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_tool_installed_from_the_packages_runs_the_quickstart_to_every_task_done()
    {
        var root = Directory.CreateDirectory(Path.Join(packages.Root, "tool")).FullName;
        var tools = Path.Join(root, "tools");
        var install = await Processes.RunAsync(root, CommandTimeout, root, Processes.Dotnet,
            "tool", "install", "Baton.Cli", "--tool-path", tools, "--version", packages.Version, "--configfile", await packages.NuGetConfigAsync(root));
        Assert.True(install.Code == 0, install.Output);

        var baton = Path.Join(tools, "baton");
        var printed = await Processes.RunAsync(root, CommandTimeout, root, baton, "--version");
        Assert.True(printed.Code == 0, printed.Output);
        Assert.StartsWith(packages.Version, printed.Output.Trim(), StringComparison.Ordinal);

        // The quickstart as a user has it: a copy outside the clone, the workspace beside it.
        var quickstart = CopyExample("quickstart", Path.Join(root, "quickstart"));
        var workspace = Path.Join(root, "ws");
        try
        {
            // baton run starts the workspace's node from the installed tool: the node and its supervisor must work there.
            var run = await Processes.RunAsync(root, CommandTimeout, root, baton, "run", Path.Join(quickstart, "workflow.yaml"), "--workspace", workspace, "--no-progress");
            Assert.True(run.Code == 0, run.Output + NodeLog(workspace));

            var listed = await Processes.RunAsync(root, CommandTimeout, root, baton, "ls", "--json", "--workspace", workspace);
            Assert.True(listed.Code == 0, listed.Output);
            using var tasks = JsonDocument.Parse(listed.Output);
            var states = tasks.RootElement.EnumerateArray()
                .Select(task => (Name: task.GetProperty("name").GetString(), State: task.GetProperty("state").GetString()))
                .ToList();
            Assert.Equal(13, states.Count);
            Assert.All(states, task => Assert.True(task.State == "done", $"{task.Name} is {task.State}"));
        }
        finally
        {
            var stop = await Processes.RunAsync(root, CommandTimeout, root, baton, "node", "stop", "--force", "--workspace", workspace);
            Assert.True(stop.Code == 0, stop.Output);
        }
    }

    [Fact]
    public async Task A_typed_experiment_built_from_the_packages_runs_its_tasks_in_their_own_processes()
    {
        // examples/csharp-experiment as a user's project: its sources, and Baton.Experiments from the packages.
        var root = Directory.CreateDirectory(Path.Join(packages.Root, "experiment")).FullName;
        var project = Path.Join(root, "experiment");
        CopyExample("csharp-experiment", project, "*.cs");
        // The other packages (YamlDotNet, Npgsql, ...) come from the machine's package folder, which the clone's own
        // build filled: no feed is asked.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Join(project, "CsharpExperiment.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <RestorePackagesPath>{Path.Join(root, "nuget")}</RestorePackagesPath>
                <RestoreAdditionalProjectFallbackFolders>{cache}</RestoreAdditionalProjectFallbackFolders>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Baton.Experiments" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """, TestContext.Current.CancellationToken);
        await packages.NuGetConfigAsync(project);
        var output = Path.Join(root, "bin");
        var build = await Processes.RunAsync(root, CommandTimeout, project, Processes.Dotnet, "build", "-c", "Release", "-o", output, "--nologo", "--disable-build-servers");
        Assert.True(build.Code == 0, build.Output);

        // The local executor starts baton-supervisor from beside its own assembly: the package put it there.
        var run = await Processes.RunAsync(root, CommandTimeout, root, Processes.Dotnet, Path.Join(output, "CsharpExperiment.dll"), "--quick", "--workspace", Path.Join(root, "ws"));
        Assert.True(run.Code == 0, run.Output);
        Assert.Contains("13 tasks, 13 ran, 0 already done, 0 failed", run.Output, StringComparison.Ordinal);
    }

    private static string CopyExample(string example, string to, string pattern = "*")
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(Path.Join(Processes.RepositoryRoot, "examples", example), pattern))
        {
            File.Copy(file, Path.Join(to, Path.GetFileName(file)));
        }
        return to;
    }

    private static string NodeLog(string workspace)
    {
        var log = Path.Join(workspace, "logs", "node.log");
        return File.Exists(log) ? $"\nnode.log:\n{File.ReadAllText(log)}" : "";
    }
}
