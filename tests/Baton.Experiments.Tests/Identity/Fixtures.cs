using Baton.Experiments.Configs;
using Baton.Experiments.Execution;

namespace Baton.Experiments.Tests.Identity;

// Configuration classes for identity tests. Those pinned by the golden file carry a [ConfigId] so that moving this
// file does not change the digests.

public enum Optimizer
{
    Sgd,
    Adam,
}

[ConfigId("golden.Scalars")]
public sealed class Scalars : Config
{
    [Param] public int Count { get; set; } = 3;
    [Param] public long Big { get; set; }
    [Param] public double Rate { get; set; } = 0.5;
    [Param] public bool Flag { get; set; }
    [Param] public string Label { get; set; } = "x";
    [Param] public Optimizer Optimizer { get; set; }
    [Param] public string? Note { get; set; }
}

[ConfigId("golden.Model")]
public sealed class ModelV1 : Config
{
    [Param] public int Layers { get; set; } = 2;
}

/// <summary>ModelV1 one release later: a parameter added with an ignored default.</summary>
[ConfigId("golden.Model")]
public sealed class ModelV2 : Config
{
    [Param] public int Layers { get; set; } = 2;
    [Param(IgnoreDefault = true)] public double Dropout { get; set; }
}

/// <summary>ModelV1 with a parameter added whose default is hashed: every identity changes.</summary>
[ConfigId("golden.Model")]
public sealed class ModelV3 : Config
{
    [Param] public int Layers { get; set; } = 2;
    [Param] public double Dropout { get; set; }
}

[ConfigId("golden.Versioned")]
public sealed class VersionedV1 : Config
{
    [Param] public int Size { get; set; }
    [Constant] public int Version { get; } = 1;
}

[ConfigId("golden.Versioned")]
public sealed class VersionedV2 : Config
{
    [Param] public int Size { get; set; }
    [Constant] public int Version { get; } = 2;
}

[ConfigId("golden.WithMeta")]
public sealed class WithMeta : Config
{
    [Param] public int Seed { get; set; }
    [Meta] public int Threads { get; set; } = 1;
    [Meta] public string Name { get; set; } = "";
    [Param] public FileInfo? Input { get; set; }
    [Generated("out.txt")] public FileInfo? Output { get; set; }
}

[ConfigId("golden.Outer")]
public sealed class Outer : Config
{
    [Param] public required ModelV1 Model { get; init; }
    [Param] public List<int> Sizes { get; set; } = [];
    [Param] public Dictionary<string, double> Weights { get; set; } = [];
    [Param] public HashSet<string> Features { get; set; } = [];
    [Param] public List<ModelV1> Ensemble { get; set; } = [];
    [Param] public Dictionary<Optimizer, int> Steps { get; set; } = [];
}

[ConfigId("golden.Learn")]
public sealed class Learn : TaskConfig
{
    [Param] public required ModelV1 Model { get; init; }
    [Param] public int Epochs { get; set; } = 10;

    public override Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}

[ConfigId("golden.Weights")]
public sealed class Weights : Config
{
    [Meta] public FileInfo? Path { get; set; }
}

[ConfigId("golden.LoadWeights")]
public sealed class LoadWeights : InitTask
{
    [Param] public required Weights Weights { get; init; }

    public override Task ExecuteAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

[ConfigId("golden.Evaluate")]
public sealed class EvaluateModel : TaskConfig
{
    [Param] public required Weights Weights { get; init; }

    public override Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}

// Bad input.

public sealed class Unsupported : Config
{
    [Param] public DateTime When { get; set; }
}

public sealed class NeedsModel : Config
{
    [Param] public ModelV1 Model { get; set; } = null!;
}

public sealed class Node : Config
{
    [Param] public Node? Next { get; set; }
}

public sealed class SettableConstant : Config
{
    [Constant] public int Version { get; set; } = 1;
}

public sealed class Survey : TaskConfig
{
    [Param] public required Outer Data { get; init; }
    [Param] public Scalars Settings { get; set; } = new();
    [Generated("out")] public DirectoryInfo? Output { get; set; }

    public override Task ExecuteAsync(TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
