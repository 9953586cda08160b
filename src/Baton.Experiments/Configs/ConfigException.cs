namespace Baton.Experiments.Configs;

/// <summary>
/// A configuration is wrong: an unsupported parameter type, a missing required parameter, a cycle, a params.json
/// that no longer matches its class. The message names the class and the parameter, in one line.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(message) { }

    public ConfigException(string message, Exception inner) : base(message, inner) { }

    public ConfigException() { }
}
