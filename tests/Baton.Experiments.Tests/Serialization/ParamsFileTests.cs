using Baton.Core.Identity;
using Baton.Experiments.Configs;
using Baton.Experiments.Identity;
using Baton.Experiments.Serialization;
using Baton.Experiments.Tests.Identity;
using Baton.Testing;

namespace Baton.Experiments.Tests.Serialization;

public sealed class ParamsFileTests : IDisposable
{
    private readonly TempDirectory _directory = new("baton-params-");

    public void Dispose() => _directory.Dispose();

    private string WriteParams(Learn task, out TaskIdentity identity)
    {
        var models = new ConfigModels();
        identity = new ConfigIdentity(models).Compute(task);
        var header = new TaskHeader(identity, "learn", "xp", "/ws", _directory.Path, false, [new("lr", "0.1")], new Dictionary<string, string> { ["JAVA_HOME"] = "/opt/java" });
        var path = _directory.Combine("params.json");
        File.WriteAllText(path, ParamsFile.Write(header, task, models));
        return path;
    }

    [Fact]
    public void A_task_is_rebuilt_with_its_nested_configs_init_tasks_and_header()
    {
        var weights = GoldenTypedIdentityTests.MarkedWeights(10);
        var original = new Learn { Model = new ModelV1 { Layers = 7 }, Epochs = 3, InitTasks = [new LoadWeights { Weights = weights }] };
        var path = WriteParams(original, out var identity);

        var loaded = ParamsFile.Read(path, new ConfigModels());

        var task = Assert.IsType<Learn>(loaded.Task);
        Assert.Equal(7, task.Model.Layers);
        Assert.Equal(3, task.Epochs);
        var init = Assert.IsType<LoadWeights>(Assert.Single(task.InitTasks));
        Assert.Equal("/ws/weights.bin", init.Weights.Path!.FullName);
        Assert.Equal(weights.Producer!.Identity, init.Weights.Producer!.Identity);
        Assert.Equal(identity, loaded.Header.Identity);
        Assert.Equal("/opt/java", loaded.Header.Environment["JAVA_HOME"]);
        Assert.Equal([new KeyValuePair<string, string>("lr", "0.1")], loaded.Header.Tags);
    }

    [Fact]
    public void Collections_enums_and_dictionaries_round_trip_with_the_same_identity()
    {
        var survey = new Survey
        {
            Data = new Outer
            {
                Model = new ModelV1 { Layers = 4 },
                Sizes = [1, 2],
                Weights = new() { ["a"] = 0.5 },
                Features = ["f", "g"],
                Ensemble = [new ModelV1(), new ModelV1 { Layers = 9 }],
                Steps = new() { [Optimizer.Adam] = 3 },
            },
            Settings = new Scalars { Optimizer = Optimizer.Adam, Big = long.MaxValue, Rate = 0.1, Label = "é\"", Note = null },
            Output = new DirectoryInfo("/ws/out"),
        };
        var models = new ConfigModels();
        var identity = new ConfigIdentity(models).Compute(survey);
        var path = _directory.Combine("params.json");
        File.WriteAllText(path, ParamsFile.Write(new TaskHeader(identity, "s", "xp", "/ws", _directory.Path, false, [], new Dictionary<string, string>()), survey, models));

        var loaded = Assert.IsType<Survey>(ParamsFile.Read(path, new ConfigModels()).Task);

        Assert.Equal([1, 2], loaded.Data.Sizes);
        Assert.Equal(0.5, loaded.Data.Weights["a"]);
        Assert.Equal(["f", "g"], loaded.Data.Features.Order());
        Assert.Equal(9, loaded.Data.Ensemble[1].Layers);
        Assert.Equal(3, loaded.Data.Steps[Optimizer.Adam]);
        Assert.Equal(long.MaxValue, loaded.Settings.Big);
        Assert.Equal("é\"", loaded.Settings.Label);
        Assert.Equal("/ws/out", loaded.Output!.FullName);
        Assert.Equal(identity, new ConfigIdentity(new ConfigModels()).Compute(loaded));
    }

    [Fact]
    public void A_renamed_parameter_is_named_in_the_error()
    {
        var path = WriteParams(new Learn { Model = new ModelV1() }, out _);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"Epochs\"", "\"Epochz\"", StringComparison.Ordinal));

        var error = Assert.Throws<ConfigException>(() => ParamsFile.Read(path, new ConfigModels()));
        Assert.Contains("golden.Learn", error.Message.Replace("Baton.Experiments.Tests.Identity.Learn", "golden.Learn", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("no parameter 'Epochz'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_params_json_whose_identity_no_longer_matches_the_class_is_refused()
    {
        var path = WriteParams(new Learn { Model = new ModelV1() }, out _);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"Epochs\": 10", "\"Epochs\": 11", StringComparison.Ordinal));

        var error = Assert.Throws<ConfigException>(() => ParamsFile.Read(path, new ConfigModels()));
        Assert.Contains("no longer matches", error.Message, StringComparison.Ordinal);
    }
}
