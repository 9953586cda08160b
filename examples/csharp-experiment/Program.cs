using System.Globalization;
using Baton.Core.Resources;
using Baton.Experiments.Configs;
using Baton.Experiments.Execution;
using Baton.Experiments.Experiments;
using CsharpExperiment;

// Task-execution mode: Baton starts this same program to run each task in its own process.
if (TaskProcess.Requested(args)) return await TaskProcess.RunAsync(args);

string? workspace = null;
var quick = false;
int? cpus = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--workspace" when i + 1 < args.Length:
            workspace = args[++i];
            break;
        case "--quick":
            quick = true;
            break;
        case "--cpus" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n > 0:
            cpus = n;
            i++;
            break;
        default:
            await Console.Error.WriteLineAsync("usage: CsharpExperiment [--workspace DIR] [--quick] [--cpus N]");
            return 2;
    }
}

double[] rates = quick ? [0.05, 0.5] : [0.01, 0.05, 0.1, 0.5];
var epochs = quick ? 60 : 200;

// Each training takes a core; by default one more core than trainings, so that every training runs at once and
// evaluations start while they run (these tasks are light: on a smaller machine the cores are shared).
var capacity = new ResourceCapacity(cpus ?? rates.Length + 1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
await using var xp = await Experiment.StartAsync(new ExperimentOptions { Name = "linear-regression", Workspace = workspace, Capacity = capacity });
var trainData = xp.Submit(new MakeDataset { Seed = 1 });
var testData = xp.Submit(new MakeDataset { Seed = 2, Samples = 100 });
var evaluations = new List<(double Rate, int Epoch, Evaluate Task)>();
foreach (var rate in rates)
{
    var train = xp.Submit(new Train { Data = trainData.Task, LearningRate = rate, Epochs = epochs, CheckpointEvery = epochs / 4, EpochDelayMs = 60 }
        .WithTag("lr", rate));
    // Each checkpoint is evaluated as soon as training registers it, while training goes on.
    train.WatchOutput<int>("checkpoint", (epoch, dependency) =>
    {
        var evaluation = xp.Submit(new Evaluate { Checkpoint = train.Task.CheckpointAt(epoch, dependency), TestData = testData.Task }
            .WithTag("lr", rate)
            .WithTag("epoch", epoch));
        lock (evaluations)
        {
            evaluations.Add((rate, epoch, evaluation.Task));
        }
    });
}

// Every training has ended and every checkpoint has its evaluation: compare them all.
await xp.WhenIdleAsync();
var compare = xp.Submit(new Compare { Evaluations = [.. evaluations.OrderBy(e => e.Rate).ThenBy(e => e.Epoch).Select(e => e.Task)] });
var summary = await xp.WaitAsync();

if (compare.Task.Report is { Exists: true } report)
{
    Console.WriteLine("best checkpoints first:");
    Console.WriteLine(string.Join('\n', File.ReadLines(report.FullName).Take(5)));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"experiment {xp.Name}: {summary.Total} tasks, {summary.Done} ran, {summary.AlreadyDone} already done, {summary.Failed} failed ({summary.AttemptsStarted} attempts started) in {xp.Workspace}"));
return summary.Succeeded ? 0 : 1;
