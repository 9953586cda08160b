using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Baton.Core.Identity;
using Baton.Experiments.Configs;
using Baton.Experiments.Experiments;
using Baton.Experiments.Identity;

namespace Baton.Experiments.Tests.Identity;

/// <summary>
/// Pins typed-task identities: golden/typed-identities.json holds the digest of each case below. A changed digest
/// means every typed task in existing workspaces would run again, so a failure here is a decision, not a nuisance.
/// </summary>
/// <remarks>
/// To change digests deliberately (a new <see cref="ConfigIdentity.Encoding"/>, a new case), run the tests with
/// <c>BATON_REGENERATE_IDENTITY_GOLDEN=1</c>: the file in the source tree is rewritten and the test fails once, so
/// that the change shows in the diff under review.
/// </remarks>
public sealed class GoldenTypedIdentityTests
{
    private const string RegenerateVariable = "BATON_REGENERATE_IDENTITY_GOLDEN";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record GoldenCase(string Id, string About, string Digest);

    public sealed record GoldenFile(string Encoding, List<GoldenCase> Cases);

    /// <summary>The table: each case a configuration built fresh, and what it shows.</summary>
    internal static IReadOnlyList<(string Id, string About, Func<Config> Build)> Cases { get; } =
    [
        ("scalars-defaults", "every parameter at its default: defaults are hashed (null optionals are left out)", () => new Scalars()),
        ("scalars-set", "int, long, double, bool, non-ASCII string, enum and optional string set", () => new Scalars
        {
            Count = 4, Big = 1L << 40, Rate = 0.25, Flag = true, Label = "héllo\nwörld", Optimizer = Optimizer.Adam, Note = "n",
        }),
        ("model-v1", "a class with one parameter", () => new ModelV1()),
        ("model-v2-ignored-default", "the class with a new parameter at its ignored default: same as model-v1", () => new ModelV2()),
        ("model-v2-dropout", "the new parameter set away from its default: enters the identity", () => new ModelV2 { Dropout = 0.5 }),
        ("model-v3-hashed-default", "a new parameter whose default is not ignored: differs from model-v1", () => new ModelV3()),
        ("constant-v1", "a constant is always hashed", () => new VersionedV1 { Size = 3 }),
        ("constant-v2", "bumping the constant changes the identity", () => new VersionedV2 { Size = 3 }),
        ("meta", "meta parameters, paths and generated paths are not in the identity", () => new WithMeta
        {
            Seed = 1, Threads = 8, Name = "run-a", Input = new FileInfo("/data/in.csv"), Output = new FileInfo("/ws/out.txt"),
        }),
        ("meta-unset", "the same with every meta parameter, path and generated path unset: same as meta", () => new WithMeta { Seed = 1 }),
        ("nested-collections", "a nested config, a list, a dictionary, a set, a list of configs and an enum-keyed dictionary", () => new Outer
        {
            Model = new ModelV1 { Layers = 4 },
            Sizes = [1, 2, 3],
            Weights = new() { ["a"] = 1, ["b"] = 2 },
            Features = ["x", "y"],
            Ensemble = [new ModelV1 { Layers = 1 }, new ModelV1 { Layers = 3 }],
            Steps = new() { [Optimizer.Sgd] = 1, [Optimizer.Adam] = 2 },
        }),
        ("nested-collections-reordered", "dictionaries and sets filled in another order: same as nested-collections", () => new Outer
        {
            Model = new ModelV1 { Layers = 4 },
            Sizes = [1, 2, 3],
            Weights = new() { ["b"] = 2, ["a"] = 1 },
            Features = ["y", "x"],
            Ensemble = [new ModelV1 { Layers = 1 }, new ModelV1 { Layers = 3 }],
            Steps = new() { [Optimizer.Adam] = 2, [Optimizer.Sgd] = 1 },
        }),
        ("list-reordered", "a list in another order: differs (lists are ordered)", () => new Outer
        {
            Model = new ModelV1 { Layers = 4 },
            Sizes = [3, 2, 1],
            Weights = new() { ["a"] = 1, ["b"] = 2 },
            Features = ["x", "y"],
            Ensemble = [new ModelV1 { Layers = 1 }, new ModelV1 { Layers = 3 }],
            Steps = new() { [Optimizer.Sgd] = 1, [Optimizer.Adam] = 2 },
        }),
        ("task", "a task with a nested config", () => new Learn { Model = new ModelV1() }),
        ("weights", "a config that is nobody's output", () => new Weights { Path = new FileInfo("/ws/weights.bin") }),
        ("task-output", "the same config marked as an output of task: carries the task's identity", () => MarkedWeights(10)),
        ("task-output-other-task", "marked as an output of another task (other epochs): differs", () => MarkedWeights(20)),
        ("without-init-tasks", "a task using task-output", () => new EvaluateModel { Weights = MarkedWeights(10) }),
        ("init-tasks", "the same task with an init task: init tasks are in the identity", () =>
        {
            var weights = MarkedWeights(10);
            return new EvaluateModel { Weights = weights, InitTasks = [new LoadWeights { Weights = weights }] };
        }),
    ];

    /// <summary>Weights marked as the output of a Learn task, as submitting it does.</summary>
    internal static Weights MarkedWeights(int epochs)
    {
        var learn = new Learn { Model = new ModelV1(), Epochs = epochs };
        var identity = new ConfigIdentity(new ConfigModels()).Compute(learn);
        return new Dependency(new Submission(identity, learn, 0)).On(new Weights { Path = new FileInfo("/ws/weights.bin") });
    }

    internal static TaskIdentity Digest(string id) => new ConfigIdentity(new ConfigModels()).Compute(Cases.Single(c => c.Id == id).Build());

    private static string GoldenPath([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "golden", "typed-identities.json");

    [Fact]
    public void Digests_match_the_golden_file()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Identity", "golden", "typed-identities.json");
        var golden = JsonSerializer.Deserialize<GoldenFile>(File.ReadAllText(path), Json)!;
        var actual = Cases.Select(c => new GoldenCase(c.Id, c.About, Digest(c.Id).Hex)).ToList();
        var diff = new StringBuilder();
        if (golden.Encoding != ConfigIdentity.Encoding)
        {
            diff.Append($"\n  encoding: expected {golden.Encoding}, actual {ConfigIdentity.Encoding}");
        }
        foreach (var c in actual)
        {
            var pinned = golden.Cases.FirstOrDefault(g => g.Id == c.Id);
            if (pinned?.Digest != c.Digest)
            {
                diff.Append($"\n  {c.Id}:\n    expected {pinned?.Digest ?? "(missing)"}\n    actual   {c.Digest}");
            }
        }
        if (diff.Length == 0)
        {
            Assert.Equal(actual.Count, golden.Cases.Count);
            return;
        }
        if (Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            File.WriteAllText(GoldenPath(), JsonSerializer.Serialize(new GoldenFile(ConfigIdentity.Encoding, actual), Json) + "\n");
            Assert.Fail($"regenerated {GoldenPath()}; review the diff and run the tests again without {RegenerateVariable}:{diff}");
        }
        Assert.Fail($"typed-task identities changed (this would re-run every typed task in existing workspaces):{diff}");
    }

    [Theory]
    [InlineData("model-v2-ignored-default", "model-v1")]
    [InlineData("meta-unset", "meta")]
    [InlineData("nested-collections-reordered", "nested-collections")]
    public void Cases_that_must_share_an_identity(string id, string sameAs) => Assert.Equal(Digest(sameAs), Digest(id));

    [Theory]
    [InlineData("model-v2-dropout", "model-v1")]
    [InlineData("model-v3-hashed-default", "model-v1")]
    [InlineData("constant-v2", "constant-v1")]
    [InlineData("list-reordered", "nested-collections")]
    [InlineData("task-output", "weights")]
    [InlineData("task-output-other-task", "task-output")]
    [InlineData("init-tasks", "without-init-tasks")]
    [InlineData("scalars-set", "scalars-defaults")]
    public void Cases_that_must_differ(string id, string differsFrom) => Assert.NotEqual(Digest(differsFrom), Digest(id));
}
