using Baton.Core.Graph;
using Baton.Core.Identity;

namespace Baton.Core.Workflows;

/// <summary>A template checked and turned into its <see cref="TemplateSpec"/>, with what later checks need.</summary>
internal sealed class CompiledTemplate(TemplateSpec spec, Settings settings, IReadOnlyDictionary<string, ArgumentRole> roles)
{
    /// <summary>Shared by every task of the template.</summary>
    public TemplateSpec Spec { get; } = spec;

    /// <summary>The template's settings over the workflow defaults; tasks override them field by field.</summary>
    public Settings Settings { get; } = settings;

    /// <summary>Every declared argument and its role.</summary>
    public IReadOnlyDictionary<string, ArgumentRole> Roles { get; } = roles;

    /// <summary>Every argument name in declaration order (node, task, op), shared by the values of all its tasks.</summary>
    public ArgumentValues.ArgumentNames ArgumentNames { get; } = new([.. spec.AllArgs]);

    /// <summary>Hashes the identities of the template's tasks, with the template's part of the text encoded once.</summary>
    public CommandIdentityEncoder IdentityEncoder { get; } =
        new(spec.Name, spec.Command, spec.NodeArgs, spec.TaskArgs, spec.OpArgs);

    public bool IsOneOff => Spec.Name == TemplateSpec.OneOffName;

    /// <summary>"template 'x'" or "a one-off command: task", for messages.</summary>
    public string Describe() => IsOneOff ? "a one-off command: task" : $"template '{Spec.Name}'";
}
