using System.Globalization;
using System.Text.Json;
using Baton.Experiments.Configs;
using Baton.Experiments.Execution;
using Baton.Experiments.Experiments;

namespace CsharpExperiment;

/// <summary>Points (x, y) with y = 3x − 2 + noise, drawn from a seeded generator: the same parameters, the same data.</summary>
public sealed class MakeDataset : TaskConfig
{
    [Param] public int Seed { get; set; }

    [Param] public int Samples { get; set; } = 200;

    [Param] public double Noise { get; set; } = 0.1;

    [Generated("data.csv")] public FileInfo? Data { get; set; }

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var random = new Random(Seed);
        var lines = new List<string>(Samples);
        for (var i = 0; i < Samples; i++)
        {
            var x = random.NextDouble() * 2 - 1;
            var y = 3 * x - 2 + Noise * (random.NextDouble() * 2 - 1);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{x:R},{y:R}"));
        }
        await File.WriteAllLinesAsync(Data!.FullName, lines, cancellationToken);
    }

    public static (double X, double Y)[] Read(FileInfo data) =>
        [.. File.ReadAllLines(data.FullName).Select(l => l.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))];
}

/// <summary>A line y = w·x + b.</summary>
public sealed record LineModel(double W, double B, int Epoch)
{
    public double MeanSquaredError((double X, double Y)[] points) => points.Average(p => Math.Pow(W * p.X + B - p.Y, 2));
}

/// <summary>
/// Fits a line by full-batch gradient descent. Resumable: its state is saved at every checkpoint, a new attempt
/// continues from the last one, and it stops cleanly (graceful timeout) when its runtime limit is near.
/// Every <see cref="CheckpointEvery"/> epochs it registers a checkpoint as a dynamic output.
/// </summary>
public sealed class Train : ResumableTaskConfig
{
    [Param] public required MakeDataset Data { get; init; }

    [Param] public double LearningRate { get; set; }

    [Param] public int Epochs { get; set; } = 100;

    /// <summary>How often to checkpoint: not what the model is, so not in the identity.</summary>
    [Meta] public int CheckpointEvery { get; set; } = 25;

    /// <summary>Slows each epoch down so that a human (or a test) can watch evaluations start while training runs.</summary>
    [Meta] public int EpochDelayMs { get; set; }

    [Generated("checkpoints")] public DirectoryInfo? Checkpoints { get; set; }

    /// <summary>The checkpoint of an epoch, as a configuration: its identity carries this training's.</summary>
    public Checkpoint CheckpointAt(int epoch, Dependency dependency)
    {
        ArgumentNullException.ThrowIfNull(dependency);
        return dependency.On(new Checkpoint { Epoch = epoch, LearningRate = LearningRate, File = new FileInfo(CheckpointFile(epoch)) });
    }

    private string CheckpointFile(int epoch) => Path.Combine(Checkpoints!.FullName, $"epoch-{epoch}.json");

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var points = MakeDataset.Read(Data.Data!);
        Directory.CreateDirectory(Checkpoints!.FullName);
        var latest = Path.Combine(Checkpoints.FullName, "latest.json");
        var model = File.Exists(latest) ? JsonSerializer.Deserialize<LineModel>(await File.ReadAllTextAsync(latest, cancellationToken))! : new LineModel(0, 0, 0);
        Console.WriteLine($"attempt {context.Attempt}: starting at epoch {model.Epoch}");
        while (model.Epoch < Epochs)
        {
            if (context.RemainingTime() is { } left && left < TimeSpan.FromSeconds(2))
            {
                throw new GracefulTimeoutException($"{left.TotalSeconds:F1}s left at epoch {model.Epoch}: resuming later");
            }
            double gw = 0, gb = 0;
            foreach (var (x, y) in points)
            {
                var error = model.W * x + model.B - y;
                gw += 2 * error * x / points.Length;
                gb += 2 * error / points.Length;
            }
            model = new LineModel(model.W - LearningRate * gw, model.B - LearningRate * gb, model.Epoch + 1);
            if (EpochDelayMs > 0)
            {
                await Task.Delay(EpochDelayMs, cancellationToken);
            }
            if (model.Epoch % CheckpointEvery == 0 || model.Epoch == Epochs)
            {
                var json = JsonSerializer.Serialize(model);
                await File.WriteAllTextAsync(CheckpointFile(model.Epoch), json, cancellationToken);
                await File.WriteAllTextAsync(latest, json, cancellationToken);
                context.RegisterOutput("checkpoint", model.Epoch);
                Console.WriteLine($"epoch {model.Epoch}: w={model.W:F4} b={model.B:F4} train mse={model.MeanSquaredError(points):F5}");
            }
        }
    }
}

/// <summary>A saved model. Its file path is meta; what it is comes from the training that produced it.</summary>
public sealed class Checkpoint : Config
{
    [Param] public int Epoch { get; set; }

    /// <summary>For reports; what the checkpoint is comes from the training that produced it, so this is meta.</summary>
    [Meta] public double LearningRate { get; set; }

    [Meta] public FileInfo? File { get; set; }
}

/// <summary>Scores a checkpoint on held-out data.</summary>
public sealed class Evaluate : TaskConfig
{
    [Param] public required Checkpoint Checkpoint { get; init; }

    [Param] public required MakeDataset TestData { get; init; }

    [Generated("metrics.json")] public FileInfo? Metrics { get; set; }

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var model = JsonSerializer.Deserialize<LineModel>(await File.ReadAllTextAsync(Checkpoint.File!.FullName, cancellationToken))!;
        var mse = model.MeanSquaredError(MakeDataset.Read(TestData.Data!));
        await File.WriteAllTextAsync(Metrics!.FullName, JsonSerializer.Serialize(new { model.Epoch, model.W, model.B, TestMse = mse }), cancellationToken);
        Console.WriteLine($"epoch {model.Epoch}: test mse {mse:F5}");
    }
}

/// <summary>The final comparison: one line per evaluation, best first.</summary>
public sealed class Compare : TaskConfig
{
    [Param] public List<Evaluate> Evaluations { get; set; } = [];

    [Generated("report.txt")] public FileInfo? Report { get; set; }

    public override async Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var rows = new List<(double Mse, string Line)>();
        foreach (var evaluation in Evaluations)
        {
            using var metrics = JsonDocument.Parse(await File.ReadAllTextAsync(evaluation.Metrics!.FullName, cancellationToken));
            var mse = metrics.RootElement.GetProperty("TestMse").GetDouble();
            rows.Add((mse, string.Create(CultureInfo.InvariantCulture,
                $"test mse {mse,10:F6}  w={metrics.RootElement.GetProperty("W").GetDouble(),8:F4}  b={metrics.RootElement.GetProperty("B").GetDouble(),8:F4}  lr {evaluation.Checkpoint.LearningRate,-5}  epoch {evaluation.Checkpoint.Epoch,4}")));
        }
        await File.WriteAllLinesAsync(Report!.FullName, rows.OrderBy(r => r.Mse).Select(r => r.Line), cancellationToken);
    }
}
