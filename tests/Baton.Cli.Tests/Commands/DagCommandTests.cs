using System.Diagnostics;
using System.Text.Json;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton dag</c> and the dependencies <c>baton show</c> prints.</summary>
public sealed class DagCommandTests
{
    private const string Workflow = """
        name: "pipe-line"
        templates:
          sim:
            command: /bin/true {seed}
            node_args: [seed]
        tasks:
          - name: sim-{seed}
            template: sim
            foreach: { seed: [1, 2] }
          - name: report
            command: /bin/true report
            after: [sim]
        """;

    [Fact]
    public async Task Text_and_mermaid_by_tasks_or_by_templates()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Workflow);

        var text = await cli.RunAsync("dag", file);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Equal("sim-1\nsim-2\nreport  <- sim-1, sim-2\n", text.Output);

        var templates = await cli.RunAsync("dag", file, "--templates");
        Assert.Equal("sim (2 tasks)\ncommand (1 task)  <- sim (2 tasks)\n", templates.Output);

        var mermaid = await cli.RunAsync("dag", file, "--format", "mermaid");
        Assert.Equal("flowchart LR\n  n0[\"sim-1\"]\n  n1[\"sim-2\"]\n  n2[\"report\"]\n  n0 --> n2\n  n1 --> n2\n", mermaid.Output);

        var neither = await cli.RunAsync("dag");
        Assert.True(neither.ExitCode == 2, neither.ToString());
        var badFormat = await cli.RunAsync("dag", file, "--format", "png");
        Assert.True(badFormat.ExitCode == 2, badFormat.ToString());
    }

    [Fact]
    public async Task Dot_output_is_accepted_by_graphviz()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow(Workflow);
        var run = await cli.RunAsync("run", file, "--no-progress");
        Assert.True(run.ExitCode == 0, run.ToString());

        // From the recorded workflow: the file of its current version.
        var dot = await cli.RunAsync("dag", "--workflow", "pipe-line", "--format", "dot");
        Assert.True(dot.ExitCode == 0, dot.ToString());
        Assert.Contains("digraph \"pipe-line\" {", dot.Output, StringComparison.Ordinal);
        Assert.Contains("\"sim-1\" -> \"report\";", dot.Output, StringComparison.Ordinal);

        var svg = await GraphvizAsync(dot.Output);
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("<title>sim&#45;1&#45;&gt;report</title>", svg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_are_nested_clusters_in_dot_and_subgraphs_in_mermaid()
    {
        using var cli = new CliRunner();
        var file = cli.WriteWorkflow("""
            name: grouped
            tasks:
              - name: prep
                command: /bin/true prep
              - name: train
                command: /bin/true train
              - name: evaluate
                command: /bin/true evaluate
              - name: report
                command: /bin/true report
            groups:
              experiments:
                members: [chain, report]
                after: [prep]
              chain:
                strategy: sequential
                members: [train, evaluate]
            """);

        var dot = await cli.RunAsync("dag", file, "--format", "dot");
        Assert.True(dot.ExitCode == 0, dot.ToString());
        Assert.StartsWith(
            "digraph \"grouped\" {\n  rankdir=LR;\n  node [shape=box];\n"
            + "  subgraph cluster_0 {\n    label=\"experiments\";\n"
            + "    subgraph cluster_1 {\n      label=\"chain\";\n      \"train\";\n      \"evaluate\";\n    }\n"
            + "    \"report\";\n  }\n  \"prep\";\n  \"prep\" -> ",
            dot.Output, StringComparison.Ordinal);
        var svg = await GraphvizAsync(dot.Output);
        Assert.Contains("<title>cluster_1</title>", svg, StringComparison.Ordinal);

        var mermaid = await cli.RunAsync("dag", file, "--format", "mermaid");
        Assert.StartsWith(
            "flowchart LR\n  subgraph g0[\"experiments\"]\n    subgraph g1[\"chain\"]\n      n1[\"train\"]\n      n2[\"evaluate\"]\n    end\n"
            + "    n3[\"report\"]\n  end\n  n0[\"prep\"]\n",
            mermaid.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_lists_upstream_and_downstream_tasks_with_their_states()
    {
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("run", cli.WriteWorkflow(Workflow), "--no-progress")).ExitCode);

        var report = JsonDocument.Parse((await cli.RunAsync("show", "report", "--json")).Output).RootElement;
        Assert.Equal(["sim-1", "sim-2"], report.GetProperty("upstream").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.Empty(report.GetProperty("downstream").EnumerateArray());
        var ran = Assert.Single(report.GetProperty("attempts").EnumerateArray()).GetProperty("argv");
        Assert.Equal(["/bin/true", "report"], ran.EnumerateArray().Select(a => a.GetString()));
        var text = await cli.RunAsync("show", "sim-1");
        Assert.Contains("report (done)", text.Output, StringComparison.Ordinal);
        Assert.Matches(@"ran \(attempt 1\) +/bin/true 1 *\n", text.Output);
    }

    /// <summary>Runs Debian's Graphviz <c>dot -Tsvg</c> on a graph; skips where it is not installed, except under CI=true.</summary>
    private static async Task<string> GraphvizAsync(string graph)
    {
        var dot = File.Exists("/usr/bin/dot") ? "/usr/bin/dot" : File.Exists("/usr/local/bin/dot") ? "/usr/local/bin/dot" : null;
        if (dot is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "Graphviz (dot) is required under CI=true: scripts/test installs it when root");
            Assert.Skip("Graphviz (dot) is not installed");
        }
        var info = new ProcessStartInfo(dot, "-Tsvg") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var cancellationToken = TestContext.Current.CancellationToken;
        await process.StandardInput.WriteAsync(graph.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.True(process.ExitCode == 0, $"dot -Tsvg exited {process.ExitCode}: {await error}");
        return await output;
    }
}
