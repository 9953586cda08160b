using System.Runtime.InteropServices;
using Baton.Core.Resources;
using Baton.Experiments.Experiments;

namespace Baton.Experiments.Tests.Experiments;

/// <summary>The programs built beside the tests (referenced projects) and how to start them.</summary>
internal static class TestPrograms
{
    /// <summary>The dotnet muxer that runs this test process: <c>&lt;root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;/</c> → <c>&lt;root&gt;/dotnet</c>.</summary>
    public static string Dotnet { get; } = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));

    /// <summary>argv that runs a program built beside the tests.</summary>
    public static string[] Command(string assemblyName) => [Dotnet, Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll")];

    /// <summary>Options for an experiment whose tasks run in Baton.Experiments.TestTasks, in <paramref name="workspace"/>.</summary>
    public static ExperimentOptions Options(string workspace, string name = "test-experiment", int? maxRetries = null) => new()
    {
        Name = name,
        Workspace = workspace,
        TaskProgram = Command("Baton.Experiments.TestTasks"),
        Capacity = new ResourceCapacity(2, 1L << 30),
        MaxRetries = maxRetries,
    };
}
