using Baton.Core.Gpus;
using static Baton.Core.Tests.Workflows.WorkflowTestSupport;

namespace Baton.Core.Tests.Workflows;

public sealed class GpuResourceTests
{
    [Fact]
    public void Gpus_and_gpu_memory_are_read_field_by_field_like_other_resources()
    {
        var graph = Compile("""
            name: gpus
            defaults:
              resources: { gpu_memory: 50% }
            templates:
              train:
                command: python train.py {lr}
                node_args: [lr]
                resources: { gpus: 2, gpu_memory: 20G }
            tasks:
              - template: train
                foreach: { lr: [1, 2] }
              - name: small
                template: train
                args: { lr: 3 }
                resources: { gpus: 1 }
              - name: half
                command: python eval.py
                resources: { gpus: 1 }
              - name: whole
                command: python other.py
                resources: { gpus: 3, gpu_memory: 1 }
              - name: cpu-only
                command: python report.py
                resources: { gpus: 0 }
              - name: implied
                command: python probe.py
            """);
        Assert.Equal(new GpuRequest(2, 20480, 0), graph.Task("train-1").Resources.Gpus);
        Assert.Equal(new GpuRequest(1, 20480, 0), graph.Task("small").Resources.Gpus);
        Assert.Equal(new GpuRequest(1, 0, 0.5), graph.Task("half").Resources.Gpus);
        Assert.Equal(GpuRequest.Whole(3), graph.Task("whole").Resources.Gpus);
        Assert.True(graph.Task("cpu-only").Resources.Gpus.IsNone);
        // gpu_memory without gpus is one device.
        Assert.Equal(new GpuRequest(1, 0, 0.5), graph.Task("implied").Resources.Gpus);
    }

    [Fact]
    public void Gpus_alone_mean_whole_devices()
    {
        var graph = Compile("""
            name: whole
            tasks:
              - name: a
                command: python a.py
                resources: { gpus: 2 }
            """);
        Assert.Equal(GpuRequest.Whole(2), graph.Task("a").Resources.Gpus);
    }

    [Theory]
    [InlineData("gpus: -1", "wf.yaml:5:24: gpus '-1' is not a whole number of at least 0")]
    [InlineData("gpu_memory: lots", "wf.yaml:5:30: gpu_memory 'lots' is not an amount such as 20G or 8000 (MiB), nor a share such as 0.5 or 50%")]
    [InlineData("gpu_memory: 150%", "wf.yaml:5:30: gpu_memory '150%' must be a share of the device in (0, 1] or (0%, 100%]")]
    public void Bad_gpu_values_are_errors_at_the_value(string field, string expected)
    {
        Assert.Equal(expected, Error($$"""
            name: bad
            tasks:
              - name: a
                command: python a.py
                resources: { {{field}} }
            """));
    }
}
