using Baton.Core.Resources;
using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

public sealed class SlurmBlockTests
{
    [Fact]
    public void A_templates_slurm_block_overrides_the_workflows_key_by_key_and_one_off_tasks_get_the_workflows()
    {
        var graph = Compile("""
            name: a
            slurm:
              partition: [short, long]
              account: lab
              sbatch_args: [--nice=10]
            templates:
              train:
                command: train {x}
                node_args: [x]
                slurm: { partition: gpu, gpus: 2, qos: high, sbatch_args: [--exclusive] }
            tasks:
              - { name: t, template: train, args: { x: 1 } }
              - { name: c, command: echo c }
            """);

        Assert.Equal(
            new SlurmSettings(["gpu"], "lab", "high", null, 2, ["--nice=10", "--exclusive"]),
            graph.Task("t").Template.Slurm);
        Assert.Equal(new SlurmSettings(["short", "long"], "lab", null, null, 0, ["--nice=10"]), graph.Task("c").Template.Slurm);
    }

    [Fact]
    public void A_workflow_without_slurm_blocks_has_no_slurm_settings()
    {
        Assert.Null(Compile("name: a\ntasks: [{ name: c, command: echo c }]\n").Task("c").Template.Slurm);
    }

    [Fact]
    public void An_unknown_key_in_a_slurm_block_names_the_place_and_the_allowed_keys()
    {
        Assert.Equal(
            "wf.yaml:3:3: unknown key 'partitions' in slurm (did you mean 'partition'?); allowed keys: partition, account, qos, constraint, gpus, sbatch_args",
            Error("name: a\nslurm:\n  partitions: [x]\ntasks: [{ name: c, command: echo c }]\n"));
    }

    [Fact]
    public void Negative_gpus_is_an_error()
    {
        Assert.StartsWith("wf.yaml:2:16: gpus '-1'", Error("name: a\nslurm: { gpus: -1 }\ntasks: [{ name: c, command: echo c }]\n"), StringComparison.Ordinal);
    }
}
