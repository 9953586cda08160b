namespace Baton.Experiments.Configs;

/// <summary>
/// A submit hook (experimaestro's <c>SubmitHook</c>): derive an attribute from it and put it on a configuration
/// class; every task whose parameters reach that class gets the hook applied when it is submitted, once per distinct
/// <see cref="Spec"/>. Environment variables it sets are set in the task's own process before anything runs, so
/// every program the task starts inherits them, on every executor.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = true)]
public abstract class SubmitHookAttribute : Attribute
{
    /// <summary>What makes two applications of this hook the same (e.g. a Java version): applied once per value.</summary>
    public abstract string Spec { get; }

    /// <summary>Changes the task's environment, e.g. <c>environment["JAVA_HOME"] = "/opt/java-11"</c>.</summary>
    public abstract void Apply(IDictionary<string, string> environment);
}
