namespace Baton.Experiments.Configs;

/// <summary>How a parameter takes part in the identity.</summary>
public enum ParameterKind
{
    /// <summary>In the identity (unless it equals its default and the default is ignored).</summary>
    Param,
    /// <summary>Never in the identity; recorded in params.json.</summary>
    Meta,
    /// <summary>Always in the identity; get-only.</summary>
    Constant,
    /// <summary>A path generated in the task directory at submit; never in the identity.</summary>
    Generated,
}
