namespace Baton.Hosting.Composition;

/// <summary>
/// What a Baton node is made of, before anything is resolved: the workspace and what the machine offers. Bound with
/// the options pattern (<c>services.AddBaton(o => ...)</c>) or filled by the CLI from its options; everything left
/// null comes from the workspace's <c>settings.yaml</c>, else from what the machine has.
/// </summary>
public sealed class BatonOptions
{
    /// <summary>The workspace directory; <c>$BATON_WORKSPACE</c>, else <c>./.baton</c>, when null.</summary>
    public string? Workspace { get; set; }

    /// <summary>Cores the node may use; settings.yaml's <c>cpus:</c>, else all detected, when null.</summary>
    public int? Cpus { get; set; }

    /// <summary>Memory the node may use (<c>16G</c>); settings.yaml's <c>memory:</c>, else all detected, when null.</summary>
    public string? Memory { get; set; }

    /// <summary>Where attempts run (<c>local</c> or <c>slurm</c>); settings.yaml's <c>executor:</c>, else local, when null.</summary>
    public string? Executor { get; set; }

    /// <summary>Where the state lives (<c>postgresql://...</c>, <c>sqlite://PATH</c>); <c>$BATON_STORE</c>, else settings.yaml's <c>store:</c>, else the workspace's baton.db, when null.</summary>
    public string? Store { get; set; }

    /// <summary>Create the workspace when it does not exist (a run does; reading commands do not).</summary>
    public bool CreateWorkspace { get; set; } = true;
}
