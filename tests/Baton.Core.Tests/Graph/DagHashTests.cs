using System.Security.Cryptography;
using System.Text;
using Baton.Core.Commands;
using Baton.Core.Graph;
using Baton.Core.Identity;
using Baton.Core.Resources;

namespace Baton.Core.Tests.Graph;

/// <summary>
/// The DAG hash is computed without building strings per task; it must stay exactly the documented
/// SHA-256 over the sorted task lines, each followed by its sorted upstream lines. <see cref="Reference"/> is that
/// definition written plainly.
/// </summary>
public sealed class DagHashTests
{
    private static readonly TemplateSpec Template = new()
    {
        Name = "t",
        Command = CommandTemplate.Parse("true"),
        Resources = ResourceRequest.Default,
    };

    private static string Reference(IReadOnlyList<TaskSpec> tasks, int[][] upstream)
    {
        var text = new StringBuilder();
        foreach (var i in Enumerable.Range(0, tasks.Count).OrderBy(i => tasks[i].Identity.Hex, StringComparer.Ordinal))
        {
            text.Append("task ").Append(tasks[i].Identity.Hex).Append('\n');
            foreach (var up in upstream[i].Select(u => tasks[u].Identity.Hex).Order(StringComparer.Ordinal))
            {
                text.Append("after ").Append(up).Append('\n');
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static WorkflowGraph Graph(TaskIdentity[] identities, int[][] upstream) =>
        new("g", new Dictionary<string, string>(), "/g.yaml", "/", [.. identities.Select((id, i) => new TaskSpec
        {
            Name = $"t{i}",
            Template = Template,
            Identity = id,
            Command = new TaskCommand(Template.Command, new Dictionary<string, string>()),
            Resources = ResourceRequest.Default,
            MaxAttempts = 1,
            Priority = 0,
        })], upstream);

    private static TaskIdentity Random(Random random, string prefix = "")
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return new TaskIdentity(prefix + Convert.ToHexStringLower(bytes)[prefix.Length..]);
    }

    [Fact]
    public void Matches_the_definition_on_a_random_graph()
    {
        var random = new Random(7);
        const int n = 3000;
        var identities = Enumerable.Range(0, n).Select(_ => Random(random)).ToArray();
        var upstream = Enumerable.Range(0, n)
            .Select(i => i == 0 ? [] : Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(0, i)).Distinct().ToArray())
            .ToArray();
        var graph = Graph(identities, upstream);
        Assert.Equal(Reference(graph.Tasks, upstream), graph.DagHash);
    }

    [Fact]
    public void Matches_the_definition_when_identities_share_long_prefixes_or_repeat()
    {
        var random = new Random(11);
        // Identities equal in their first 16 digits (and beyond) are ordered by the rest of the text; equal
        // identities (not compilable, but a graph may be built by hand) and default ones still hash as before.
        var identities = new[]
        {
            Random(random, "0000000000000000ff"),
            Random(random, "0000000000000000"),
            Random(random, "ffffffffffffffff"),
            Random(random, "0000000000000000f"),
            new TaskIdentity(new string('0', 64)),
            default,
            Random(random, "ffffffffffffffff0"),
            new TaskIdentity(new string('0', 64)),
            default,
            Random(random, "0000000000000000ff"),
        };
        int[][] upstream = [[], [0], [1, 0], [4, 7, 0], [], [2, 1], [5, 3, 8, 9], [6], [0, 5], [4, 2, 0]];
        var graph = Graph(identities, upstream);
        Assert.Equal(Reference(graph.Tasks, upstream), graph.DagHash);
    }

    [Fact]
    public void Matches_the_definition_for_an_empty_graph_and_a_wide_fan_in()
    {
        Assert.Equal(Reference([], []), Graph([], []).DagHash);
        var random = new Random(3);
        const int n = 2000;
        var identities = Enumerable.Range(0, n).Select(_ => Random(random)).ToArray();
        var upstream = Enumerable.Range(0, n).Select(i => i < n - 1 ? [] : Enumerable.Range(0, n - 1).Reverse().ToArray()).ToArray();
        var graph = Graph(identities, upstream);
        Assert.Equal(Reference(graph.Tasks, upstream), graph.DagHash);
    }
}
