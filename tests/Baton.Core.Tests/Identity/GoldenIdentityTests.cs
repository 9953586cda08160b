using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Core.Commands;
using Baton.Core.Identity;
using Baton.Core.Workflows;

namespace Baton.Core.Tests.Identity;

/// <summary>
/// Pins command-task identities: golden/command-identities.json holds a fixed table of cases and their digests.
/// A changed digest means every existing workspace would re-run its tasks, so a failure here is a decision, not
/// a nuisance.
/// </summary>
/// <remarks>
/// To change the digests deliberately (a new <see cref="CommandTaskIdentity.Encoding"/> version, a new case), run
/// <c>BATON_REGENERATE_IDENTITY_GOLDEN=1 dotnet test tests/Baton.Core.Tests</c>: the test rewrites the file in the
/// source tree with the digests computed now and fails once, so that the change shows up in the diff under review.
/// A new case may be added with "digest": "" and filled in the same way.
/// </remarks>
public sealed class GoldenIdentityTests
{
    private const string RegenerateVariable = "BATON_REGENERATE_IDENTITY_GOLDEN";
    private const string GoldenRelativePath = "Identity/golden/command-identities.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        // Keep non-ASCII values readable in the file instead of \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public sealed record GoldenFile(string About, string Encoding, List<GoldenCase> Cases);

    public sealed record GoldenCase(
        string Id,
        string About,
        string Template,
        string Command,
        string[] NodeArgs,
        string[] TaskArgs,
        string[] OpArgs,
        Dictionary<string, string> Values,
        string[] Inputs,
        Dictionary<string, JsonElement>? NotIdentity,
        string? SameAs,
        string? DiffersFrom,
        string Digest)
    {
        public TaskIdentity Compute() => CommandTaskIdentity.Compute(
            Template, CommandTemplate.Parse(Command), NodeArgs, TaskArgs, OpArgs, Values, Inputs.Select(i => new TaskIdentity(i)).ToArray());
    }

    private static GoldenFile Load() =>
        JsonSerializer.Deserialize<GoldenFile>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, GoldenRelativePath)), Json)
        ?? throw new InvalidOperationException("empty golden file");

    [Fact]
    public void Digests_match_the_golden_file()
    {
        var golden = Load();
        Assert.Equal(CommandTaskIdentity.Encoding, golden.Encoding);
        var actual = golden.Cases.Select(c => c.Compute().Hex).ToArray();
        var diff = new StringBuilder();
        for (var i = 0; i < golden.Cases.Count; i++)
        {
            if (golden.Cases[i].Digest != actual[i])
            {
                diff.Append($"\n  {golden.Cases[i].Id}:\n    expected {golden.Cases[i].Digest}\n    actual   {actual[i]}");
            }
        }
        if (diff.Length == 0)
        {
            return;
        }
        if (Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            var path = RepositoryFiles.PathOf("tests", "Baton.Core.Tests", GoldenRelativePath);
            var updated = golden with { Cases = golden.Cases.Select((c, i) => c with { Digest = actual[i] }).ToList() };
            File.WriteAllText(path, JsonSerializer.Serialize(updated, Json) + "\n");
            Assert.Fail($"regenerated {path}; review the diff and run the tests again without {RegenerateVariable}:{diff}");
        }
        Assert.Fail($"command-task identities changed (this would re-run every task in existing workspaces):{diff}\n" +
            $"If the change is deliberate, see {nameof(GoldenIdentityTests)} for how to regenerate the golden file.");
    }

    [Fact]
    public void The_cases_show_what_is_and_is_not_part_of_identity()
    {
        var golden = Load();
        var byId = golden.Cases.ToDictionary(c => c.Id);
        Assert.Equal(golden.Cases.Count, byId.Count);
        foreach (var c in golden.Cases)
        {
            if (c.SameAs is { } same)
            {
                Assert.True(c.Compute() == byId[same].Compute(), $"case '{c.Id}' should have the identity of '{same}'");
            }
            if (c.DiffersFrom is { } other)
            {
                Assert.True(c.Compute() != byId[other].Compute(), $"case '{c.Id}' should differ from '{other}'");
            }
        }
        // The table must keep demonstrating each rule.
        Assert.All(
            ["op-value-changed", "node-value-changed", "task-value-changed", "yaml-order", "requoted-respaced", "not-identity-fields", "other-input"],
            id => Assert.Contains(id, byId.Keys));
    }

    [Fact]
    public void A_task_compiled_from_a_workflow_file_has_the_golden_identity()
    {
        // The 'base' case, written as a workflow with a name, tags, attributes, resources and settings of its own.
        const string yaml = """
            name: golden
            templates:
              simulate:
                command: python sim.py --rate {rate} --seed {seed} --steps {steps} --threads {threads} --out {task_dir}/out.txt
                task_args: [steps]
                op_args: [threads]
                node_args: [seed, rate]
                resources: { cpus: 8, memory: 2G }
            tasks:
              - name: anything-at-all
                template: simulate
                args: { threads: 32, steps: 1000, seed: 1, rate: 0.1 }
                tags: [x]
                attributes: { owner: bob }
                priority: 3
            """;
        var task = WorkflowCompiler.Compile(yaml, "golden.yaml").Tasks[0];
        var baseline = Load().Cases.Single(c => c.Id == "base");
        Assert.Equal(baseline.Digest, task.Identity.Hex);
    }

    [Fact]
    public void The_canonical_text_is_exactly_the_documented_encoding()
    {
        // This exact text, and its digest, appear in docs/identity.md.
        var text = CommandTaskIdentity.CanonicalText(
            "train",
            CommandTemplate.Parse("python train.py --lr {lr} --data {dir:prep-{ds}} --threads {threads} --out {task_dir}"),
            nodeArgs: ["lr", "ds"],
            taskArgs: [],
            opArgs: ["threads"],
            values: new Dictionary<string, string> { ["lr"] = "0.01", ["ds"] = "imagenet", ["threads"] = "8" },
            inputs: [new TaskIdentity(new string('a', 64))]);
        const string expected = """
            baton.command-task/1
            template 5:train
            command 139:w1[L6:python]w1[L8:train.py]w1[L4:--lr]w1[A2:lr]w1[L6:--data]w1[D2[L5:prep-A2:ds]]w1[L9:--threads]w1[A7:threads]w1[L5:--out]w1[B8:task_dir]
            node_args 2
            name 2:ds
            value 8:imagenet
            name 2:lr
            value 4:0.01
            task_args 0
            op_args 1
            name 7:threads
            inputs 1
            input aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

            """;
        Assert.Equal(expected, text);
        Assert.Equal("f577b5751caee6affea10323381c6ec1b8907043ef2447a45ed6e19fbf960ec0", CommandTaskIdentity.Hash(text).Hex);
    }
}
