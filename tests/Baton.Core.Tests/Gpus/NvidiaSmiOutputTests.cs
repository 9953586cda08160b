using Baton.Core.Gpus;

namespace Baton.Core.Tests.Gpus;

/// <summary>Parsing captured nvidia-smi output (the formats of driver 535 and later).</summary>
public sealed class NvidiaSmiOutputTests
{
    [Fact]
    public void Gpu_lines_give_index_uuid_name_total_and_used_memory()
    {
        const string captured = """
            0, GPU-6e3b2f9a-8f43-6c1e-9f0b-3b1d2c4e5a61, NVIDIA H100 80GB HBM3, 81559, 4
            1, GPU-0c7a1b2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d, NVIDIA GeForce RTX 4090, 24564, 1210

            """;
        var gpus = NvidiaSmiOutput.ParseGpus(captured);
        Assert.Equal(2, gpus.Count);
        Assert.Equal(new GpuDevice(0, "GPU-6e3b2f9a-8f43-6c1e-9f0b-3b1d2c4e5a61", "NVIDIA H100 80GB HBM3", 81559), gpus[0].Device);
        Assert.Equal(4, gpus[0].UsedMiB);
        Assert.Equal(24564, gpus[1].Device.TotalMiB);
        Assert.Equal(1210, gpus[1].UsedMiB);
    }

    [Fact]
    public void A_name_with_commas_and_an_unknown_used_figure_still_parse()
    {
        var gpus = NvidiaSmiOutput.ParseGpus("3, GPU-x, Tesla V100, PCIe, 16384, [N/A]\n");
        Assert.Equal("Tesla V100, PCIe", gpus[0].Device.Name);
        Assert.Equal(0, gpus[0].UsedMiB);
    }

    [Fact]
    public void Unexpected_output_is_an_error_naming_the_line()
    {
        var error = Assert.Throws<FormatException>(() => NvidiaSmiOutput.ParseGpus("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."));
        Assert.Contains("unexpected nvidia-smi line", error.Message);
    }

    [Fact]
    public void Compute_apps_give_the_memory_each_process_uses()
    {
        var apps = NvidiaSmiOutput.ParseApps("GPU-a, 4242, 1024\nGPU-b, 17, [N/A]\n");
        Assert.Equal([("GPU-a", 4242, 1024L), ("GPU-b", 17, 0L)], apps);
    }
}
