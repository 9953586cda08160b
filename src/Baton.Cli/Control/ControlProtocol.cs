using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Baton.Engine.Control;

namespace Baton.Cli.Control;

/// <summary>
/// How <c>baton kill</c> reaches the run that drives a workspace: one JSON line each way over a Unix socket in the
/// abstract namespace (no file to go stale; the kernel frees the name when the run's process dies). The name is
/// derived from the workspace path, so each workspace has its own.
/// </summary>
internal static class ControlProtocol
{
    /// <summary>One name per workspace and workflow: several runs (of different workflows) may share a workspace.</summary>
    public static UnixDomainSocketEndPoint EndPointFor(string workspaceRoot, string workflow)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(workspaceRoot + "\0" + workflow)))[..32];
        return new UnixDomainSocketEndPoint("\0baton/" + digest);
    }
}

/// <summary>A request to the run: <paramref name="Tasks"/> of <paramref name="Workflow"/> (all of them when empty).</summary>
internal sealed record ControlRequest(string Op, string Workflow, string[] Tasks)
{
    /// <summary>For <c>set</c>: the <c>KEY=VALUE</c> words.</summary>
    public string[] Values { get; init; } = [];

    /// <summary>Changes a concurrency limit (<c>baton limit</c>): of <see cref="Template"/>, or of the workflow when null.</summary>
    public const string LimitOp = "limit";

    public string? Template { get; init; }

    public int? Limit { get; init; }
}

internal sealed record ControlTaskResult(string Task, string Outcome);

internal sealed record ControlResponse(string? Workflow, ControlTaskResult[] Results, string? Error)
{
    /// <summary>For <c>resources</c>: what the run holds now.</summary>
    public ResourceSnapshot? Resources { get; init; }
}

[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class ControlJson : JsonSerializerContext;
