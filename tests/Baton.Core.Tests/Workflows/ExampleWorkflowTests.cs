using Baton.Core.Graph;
using Baton.Core.Identity;
using Baton.Core.Resources;
using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

/// <summary>The example of docs/workflow-files.md, compiled end to end.</summary>
public sealed class ExampleWorkflowTests
{
    public const string Example = """
        name: quickstart
        workflow_args: { dataset: v1 }
        defaults:
          resources: { cpus: 1, memory: 256M, runtime: 5m }
          max_attempts: 3
          priority: 0
        templates:
          simulate:
            command: sh {workflow_dir}/simulate.sh --rate {rate} --seed {seed} --steps {steps} --out {task_dir}/result.txt
            node_args: [rate, seed]
            task_args: [steps]
            op_args: []
            resources: { cpus: 2, memory: 100M, runtime: 30s }
            max_attempts: 2
            priority: 5
          evaluate:
            command: sh {workflow_dir}/evaluate.sh {dir:sim-{rate}-{seed}}/result.txt {task_dir}/score.txt
            node_args: [rate, seed]
        tasks:
          - name: sim-{rate}-{seed}
            template: simulate
            foreach: { rate: [0.1, 0.2, 0.5], seed: [1, 2] }
            args: { steps: 1000 }
            tags: [sweep]
            attributes: { owner: alice }
            resources: { memory: 200M }
            max_attempts: 1
          - name: eval-{rate}-{seed}
            template: evaluate
            foreach: { rate: [0.1, 0.2, 0.5], seed: [1, 2] }
          - name: report
            command: sh {workflow_dir}/report.sh {upstream_dirs} {task_dir}/report.txt
            after: [evaluate]
        """;

    private static readonly string[] Sims = ["sim-0.1-1", "sim-0.1-2", "sim-0.2-1", "sim-0.2-2", "sim-0.5-1", "sim-0.5-2"];
    private static readonly string[] Evals = ["eval-0.1-1", "eval-0.1-2", "eval-0.2-1", "eval-0.2-2", "eval-0.5-1", "eval-0.5-2"];

    [Fact]
    public void Tasks_are_in_declaration_order_with_the_foreach_product_first_key_outermost()
    {
        var graph = Compile(Example);
        Assert.Equal([.. Sims, .. Evals, "report"], graph.Names());
        Assert.Equal("quickstart", graph.Name);
        Assert.Equal(new Dictionary<string, string> { ["dataset"] = "v1" }, graph.WorkflowArgs);
    }

    [Fact]
    public void Source_file_and_workflow_directory_are_full_paths()
    {
        var graph = Compile(Example);
        Assert.Equal(Path.GetFullPath(FileName), graph.SourceFile);
        Assert.Equal(Path.GetDirectoryName(Path.GetFullPath(FileName)), graph.WorkflowDirectory);
    }

    [Fact]
    public void Edges_come_from_dir_references_and_template_fan_in()
    {
        var graph = Compile(Example);
        foreach (var sim in Sims)
        {
            Assert.Empty(graph.UpstreamOf(sim));
        }
        for (var i = 0; i < Evals.Length; i++)
        {
            Assert.Equal([Sims[i]], graph.UpstreamOf(Evals[i]));
        }
        Assert.Equal(Evals, graph.UpstreamOf("report"));
        Assert.Equal(12, graph.EdgeCount);
        Assert.True(graph.TryGetIndex("report", out var report));
        Assert.Empty(graph.Downstream[report]);
    }

    [Fact]
    public void Arguments_are_bound_per_task_and_templates_are_shared()
    {
        var graph = Compile(Example);
        var sim = graph.Task("sim-0.2-1");
        Assert.Equal("simulate", sim.Template.Name);
        Assert.Equal(new Dictionary<string, string> { ["rate"] = "0.2", ["seed"] = "1", ["steps"] = "1000" }, sim.Command.Arguments);
        Assert.Same(sim.Template, graph.Task("sim-0.5-2").Template);
        Assert.Same(sim.Template.Command, sim.Command.Template);
        Assert.Equal(["rate", "seed"], sim.Template.NodeArgs);
        Assert.Equal(["steps"], sim.Template.TaskArgs);
        Assert.Empty(sim.Template.OpArgs);
        Assert.Equal(["sim-0.2-1"], graph.Task("eval-0.2-1").Command.DirectoryReferences);
    }

    [Fact]
    public void One_off_task_has_the_command_template_without_arguments()
    {
        var report = Compile(Example).Task("report");
        Assert.Equal(TemplateSpec.OneOffName, report.Template.Name);
        Assert.Empty(report.Template.AllArgs);
        Assert.Empty(report.Command.Arguments);
        Assert.Equal("sh {workflow_dir}/report.sh {upstream_dirs} {task_dir}/report.txt", report.Template.Command.Text);
    }

    [Fact]
    public void Settings_merge_field_by_field_task_over_template_over_defaults()
    {
        var graph = Compile(Example);
        var sim = graph.Task("sim-0.1-1");
        // memory from the task, cpus and runtime from the template; max_attempts from the task, priority from the template.
        Assert.Equal(new ResourceRequest(2, 200L << 20, TimeSpan.FromSeconds(30)), sim.Resources);
        Assert.Equal(1, sim.MaxAttempts);
        Assert.Equal(5, sim.Priority);
        Assert.Equal(new ResourceRequest(2, 100L << 20, TimeSpan.FromSeconds(30)), sim.Template.Resources);
        Assert.Equal(2, sim.Template.MaxAttempts);
        var eval = graph.Task("eval-0.1-1");
        Assert.Equal(new ResourceRequest(1, 256L << 20, TimeSpan.FromMinutes(5)), eval.Resources);
        Assert.Equal(3, eval.MaxAttempts);
        Assert.Equal(0, eval.Priority);
        Assert.Equal(eval.Resources, graph.Task("report").Resources);
    }

    [Fact]
    public void Tags_attributes_and_locations_are_kept()
    {
        var graph = Compile(Example);
        var sim = graph.Task("sim-0.1-1");
        Assert.Equal(["sweep"], sim.Tags);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "alice" }, sim.Attributes);
        Assert.Empty(graph.Task("eval-0.1-1").Tags);
        Assert.Equal("wf.yaml:20:5", sim.Location.ToString());
        Assert.Equal("wf.yaml:28:5", graph.Task("eval-0.1-1").Location.ToString());
        Assert.Equal("wf.yaml:31:5", graph.Task("report").Location.ToString());
        Assert.Equal("wf.yaml:8:3", sim.Template.Location.ToString());
    }

    [Fact]
    public void Identities_cover_the_identities_of_dir_inputs()
    {
        var graph = Compile(Example);
        var sim = graph.Task("sim-0.2-1");
        var eval = graph.Task("eval-0.2-1");
        var t = eval.Template;
        var expected = CommandTaskIdentity.Compute(t.Name, t.Command, t.NodeArgs, t.TaskArgs, t.OpArgs, eval.Command.Arguments, [sim.Identity]);
        Assert.Equal(expected, eval.Identity);
        Assert.Equal(13, graph.Tasks.Select(x => x.Identity).Distinct().Count());
    }

    [Fact]
    public void Compiling_twice_gives_the_same_graph()
    {
        var a = Compile(Example);
        var b = Compile(Example);
        Assert.Equal(a.DagHash, b.DagHash);
        Assert.Equal(a.Tasks.Select(t => t.Identity), b.Tasks.Select(t => t.Identity));
    }
}
