using Baton.Core.Gpus;

namespace Baton.Core.Tests.Gpus;

public sealed class GpuInventoryTests
{
    private static readonly GpuInventory Four = new(
        [new GpuDevice(0, null, "a", 24576), new GpuDevice(1, null, "b", 24576), new GpuDevice(2, null, "big", 49152), new GpuDevice(3, null, "d", 24576)],
        "settings");

    [Fact]
    public void Requests_an_empty_machine_could_place_are_possible()
    {
        Assert.Null(Four.WhyNever(GpuRequest.None));
        Assert.Null(Four.WhyNever(GpuRequest.Whole(4)));
        Assert.Null(Four.WhyNever(new GpuRequest(4, 24576, 0)));
        Assert.Null(Four.WhyNever(new GpuRequest(1, 40000, 0)));
    }

    [Fact]
    public void More_devices_than_exist_names_the_largest_device()
    {
        Assert.Equal("5 GPUs but Baton may use 4 (largest device: 2 (big, 49152 MiB))", Four.WhyNever(GpuRequest.Whole(5)));
    }

    [Fact]
    public void More_memory_than_any_card_has_names_the_largest_device()
    {
        Assert.Equal("60G on each of 1 GPU but the largest device is 2 (big, 49152 MiB)", Four.WhyNever(new GpuRequest(1, 61440, 0)));
        Assert.Equal("30G on each of 2 GPUs but only 1 devices have that much (largest device: 2 (big, 49152 MiB))",
            Four.WhyNever(new GpuRequest(2, 30720, 0)));
    }

    [Fact]
    public void No_GPUs_at_all_says_how_to_get_some()
    {
        Assert.Contains("1 GPU but Baton may use none", GpuInventory.Empty.WhyNever(GpuRequest.Whole(1)));
    }

    [Fact]
    public void Visible_devices_restrict_the_inventory_and_must_exist()
    {
        var two = Four.Restrict([1, 2]);
        Assert.Equal([1, 2], two.Devices.Select(d => d.Index));
        var error = Assert.Throws<ArgumentException>(() => Four.Restrict([7]));
        Assert.StartsWith("visible_devices names GPU 7, which is not in the inventory", error.Message);
    }
}
