using System.Globalization;
using Baton.Core.Errors;
using Baton.Core.Gpus;
using Baton.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Baton.Hosting.Workspaces;

/// <summary>Reads <c>gpus:</c> and <c>visible_devices:</c> of the workspace settings.</summary>
public static class DeclaredGpus
{
    private static readonly string[] DeviceKeys = ["index", "memory", "name", "uuid"];

    /// <summary><c>gpus: [{ index: 0, memory: 24G, name: A100 }, { memory: 24G }]</c>: the index defaults to the position.</summary>
    public static IReadOnlyList<GpuDevice> Read(string path, YamlNode node)
    {
        if (node is not YamlSequenceNode list)
        {
            throw new BatonInputException(WorkspaceSettings.Location(path, node), "gpus must be a list such as [{ memory: 24G }, { memory: 24G }]");
        }
        var devices = new List<GpuDevice>();
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode map)
            {
                throw new BatonInputException(WorkspaceSettings.Location(path, item), "each GPU is a map such as { index: 0, memory: 24G }");
            }
            int? index = null;
            long? mib = null;
            string? name = null;
            string? uuid = null;
            foreach (var (keyNode, valueNode) in map.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                var value = (valueNode as YamlScalarNode)?.Value ?? "";
                switch (key)
                {
                    case "index":
                        index = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                            ? i
                            : throw new BatonInputException(WorkspaceSettings.Location(path, valueNode), $"GPU index '{value}' is not a whole number of at least 0");
                        break;
                    case "memory":
                        mib = ResourceParser.TryParseMemory(value, out var bytes, out var error) && bytes >= 1L << 20
                            ? bytes >> 20
                            : throw new BatonInputException(WorkspaceSettings.Location(path, valueNode), error.Length > 0 ? error : $"GPU memory '{value}' must be at least 1M");
                        break;
                    case "name":
                        name = value;
                        break;
                    case "uuid":
                        uuid = value;
                        break;
                    default:
                        throw new BatonInputException(WorkspaceSettings.Location(path, keyNode), $"unknown GPU setting '{key}' (known: {string.Join(", ", DeviceKeys)})");
                }
            }
            var at = index ?? devices.Count;
            if (mib is null)
            {
                throw new BatonInputException(WorkspaceSettings.Location(path, item), $"GPU {at} has no memory: (write its total, such as memory: 24G)");
            }
            if (devices.Any(d => d.Index == at))
            {
                throw new BatonInputException(WorkspaceSettings.Location(path, item), $"GPU index {at} is declared twice");
            }
            devices.Add(new GpuDevice(at, uuid, name ?? "declared", mib.Value));
        }
        return devices;
    }

    /// <summary><c>visible_devices: [0, 2]</c>.</summary>
    public static IReadOnlyList<int> ReadIndices(string path, YamlNode node)
    {
        if (node is not YamlSequenceNode list)
        {
            throw new BatonInputException(WorkspaceSettings.Location(path, node), "visible_devices must be a list of GPU indices such as [0, 2]");
        }
        return list.Children.Select(item =>
            item is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                ? i
                : throw new BatonInputException(WorkspaceSettings.Location(path, item), "visible_devices must be a list of GPU indices such as [0, 2]")).ToArray();
    }
}
