using System.Globalization;
using Baton.Executors.Local.Supervisor;

// baton-supervisor --grace-ms N
// Started by Baton's local executor, which talks to it over stdin/stdout (see SupervisorProtocol); not for people.
if (args.Length != 2 || args[0] != "--grace-ms"
    || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var graceMs))
{
    await Console.Error.WriteLineAsync("usage: baton-supervisor --grace-ms N (started by Baton's local executor; commands on stdin)");
    return 64;
}
using var supervisor = new Supervisor(TimeSpan.FromMilliseconds(graceMs), TimeProvider.System);
return supervisor.Run();
