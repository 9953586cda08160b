using Baton.Experiments.Configs;
using Baton.Experiments.Identity;

namespace Baton.Experiments.Tests.Identity;

public sealed class ConfigRulesTests
{
    private static Baton.Core.Identity.TaskIdentity Id(Config config) => new ConfigIdentity(new ConfigModels()).Compute(config);

    [Fact]
    public void A_meta_parameter_does_not_change_the_identity_and_an_identity_parameter_does()
    {
        var baseline = Id(new WithMeta { Seed = 1, Threads = 1 });

        Assert.Equal(baseline, Id(new WithMeta { Seed = 1, Threads = 64, Name = "other" }));
        Assert.NotEqual(baseline, Id(new WithMeta { Seed = 2, Threads = 1 }));
    }

    [Fact]
    public void A_change_deep_inside_a_nested_config_changes_the_task()
    {
        Assert.NotEqual(Id(new Learn { Model = new ModelV1 { Layers = 2 } }), Id(new Learn { Model = new ModelV1 { Layers = 3 } }));
    }

    [Fact]
    public void Adding_a_parameter_with_an_ignored_default_keeps_every_old_identity()
    {
        foreach (var layers in new[] { 0, 1, 2, 7, -3 })
        {
            Assert.Equal(Id(new ModelV1 { Layers = layers }), Id(new ModelV2 { Layers = layers }));
        }
    }

    [Fact]
    public void An_unsupported_parameter_type_names_the_class_and_parameter()
    {
        var error = Assert.Throws<ConfigException>(() => Id(new Unsupported()));
        Assert.Contains("Unsupported.When", error.Message, StringComparison.Ordinal);
        Assert.Contains("DateTime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_required_parameter_names_the_class_and_parameter()
    {
        var error = Assert.Throws<ConfigException>(() => Id(new NeedsModel()));
        Assert.Contains("NeedsModel.Model: required parameter is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cycle_between_configurations_is_refused()
    {
        var a = new Node();
        var b = new Node { Next = a };
        a.Next = b;

        var error = Assert.Throws<ConfigException>(() => Id(a));
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
        Assert.Contains("Node.Next", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_settable_constant_is_refused()
    {
        var error = Assert.Throws<ConfigException>(() => Id(new SettableConstant()));
        Assert.Contains("SettableConstant.Version: a [Constant] must be get-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_config_shared_twice_is_not_a_cycle()
    {
        var shared = new ModelV1 { Layers = 5 };
        var outer = new Outer { Model = shared, Ensemble = [shared, shared] };

        Assert.Equal(Id(outer), Id(new Outer { Model = new ModelV1 { Layers = 5 }, Ensemble = [new ModelV1 { Layers = 5 }, new ModelV1 { Layers = 5 }] }));
    }
}
