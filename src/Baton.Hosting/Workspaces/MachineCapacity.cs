using Baton.Core.Errors;
using Baton.Core.Resources;

namespace Baton.Hosting.Workspaces;

/// <summary>
/// What Baton may use on this machine: <c>--cpus</c>/<c>--memory</c>, else the workspace settings, else what
/// the runtime detects (processor count and memory, both honouring cgroup limits and CPU affinity).
/// </summary>
public static class MachineCapacity
{
    public static ResourceCapacity Resolve(int? cpusOption, string? memoryOption, WorkspaceSettings settings)
    {
        if (cpusOption is <= 0)
        {
            throw new BatonInputException($"--cpus {cpusOption} must be a positive whole number");
        }
        long? memory = null;
        if (memoryOption is not null)
        {
            if (!ResourceParser.TryParseMemory(memoryOption, out var bytes, out var error) || bytes <= 0)
            {
                throw new BatonInputException($"--memory: {(error.Length > 0 ? error : $"'{memoryOption}' must be positive")}");
            }
            memory = bytes;
        }
        return new ResourceCapacity(
            cpusOption ?? settings.Cpus ?? Environment.ProcessorCount,
            memory ?? settings.MemoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }
}
