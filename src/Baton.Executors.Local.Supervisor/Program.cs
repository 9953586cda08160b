using System.Globalization;
using Baton.Executors.Local.Supervisor;

// baton-supervisor --grace-ms N --orchestrator PID
// Started by Baton's local executor, which talks to it over stdin/stdout (see SupervisorProtocol); not for people.
if (args.Length != 4 || args[0] != "--grace-ms" || args[2] != "--orchestrator"
    || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var graceMs)
    || !int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out var orchestrator))
{
    await Console.Error.WriteLineAsync("usage: baton-supervisor --grace-ms N --orchestrator PID (started by Baton's local executor; commands on stdin)");
    return 64;
}
using var supervisor = new Supervisor(TimeSpan.FromMilliseconds(graceMs), orchestrator, TimeProvider.System);
return supervisor.Run();
