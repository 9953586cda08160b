using Baton.Core.Errors;
using Baton.Core.Gpus;
using Baton.Core.Resources;
using Baton.Engine.Control;

namespace Baton.Engine.Tests.Control;

public sealed class TaskChangeTests
{
    private static readonly ResourceRequest TwoGpus = new ResourceRequest(2, 1 << 30, TimeSpan.FromMinutes(5)) { Gpus = new GpuRequest(2, 8192, 0) };

    [Fact]
    public void Each_key_replaces_one_field_and_the_rest_is_kept()
    {
        var change = TaskChange.Parse(["priority=-3", "gpu_memory=50%"]);
        Assert.Equal(-3, change.Priority);
        var applied = change.Apply(TwoGpus);
        Assert.Equal(new GpuRequest(2, 0, 0.5), applied.Gpus);
        Assert.Equal(TwoGpus.Cpus, applied.Cpus);
        Assert.Equal(TwoGpus.Runtime, applied.Runtime);
        Assert.Equal("priority=-3 gpu_memory=50%", change.ToString());
    }

    [Fact]
    public void Gpus_follow_the_workflow_file_rules()
    {
        Assert.True(TaskChange.Parse(["gpus=0"]).Apply(TwoGpus).Gpus.IsNone);
        Assert.Equal(new GpuRequest(3, 8192, 0), TaskChange.Parse(["gpus=3"]).Apply(TwoGpus).Gpus);
        Assert.Equal(GpuRequest.Whole(1), TaskChange.Parse(["gpus=1"]).Apply(ResourceRequest.Default).Gpus);
        Assert.Equal(new GpuRequest(1, 1024, 0), TaskChange.Parse(["gpu_memory=1G"]).Apply(ResourceRequest.Default).Gpus);
        Assert.Equal(2L << 30, TaskChange.Parse(["memory=2G", "cpus=4"]).Apply(TwoGpus).MemoryBytes);
    }

    [Theory]
    [InlineData("priority", "'priority' is not KEY=VALUE (keys: priority, cpus, memory, gpus, gpu_memory)")]
    [InlineData("name=x", "'name' cannot be set (keys: priority, cpus, memory, gpus, gpu_memory)")]
    [InlineData("cpus=0", "cpus '0' is not a whole number of at least 1")]
    [InlineData("priority=high", "priority 'high' is not a whole number")]
    [InlineData("memory=lots", "memory 'lots' is not an amount such as 512M, 4G or 1073741824")]
    public void Bad_assignments_are_input_errors(string assignment, string message)
    {
        Assert.Equal(message, Assert.Throws<BatonInputException>(() => TaskChange.Parse([assignment])).Message);
    }
}
