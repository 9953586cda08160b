namespace Baton.Executors.Local.Supervisor;

/// <summary>
/// Writes replies to the executor on stdout, one write(2) per message, from any thread. Once a write fails (EPIPE:
/// the orchestrator has died; .NET ignores SIGPIPE, so this is an error, not death) every later reply is dropped:
/// the attempts' exit.json files carry the truth from then on.
/// </summary>
internal sealed class ReplyWriter(int fd)
{
    private readonly Lock _gate = new();
    private readonly ProtocolLine _line = new();
    private bool _broken;

    public void Started(long id, int pid, long startTime)
    {
        lock (_gate)
        {
            Send(_line.Begin(SupervisorProtocol.Started).Add(id).Add(pid).Add(startTime));
        }
    }

    public void Failed(long id, string message)
    {
        lock (_gate)
        {
            Send(_line.Begin(SupervisorProtocol.Failed).Add(id).Add(message));
        }
    }

    public void Exited(long id, ReadOnlySpan<byte> record)
    {
        lock (_gate)
        {
            Send(_line.Begin(SupervisorProtocol.Exited).Add(id).Add(record));
        }
    }

    public void Note(long id, string what, string detail)
    {
        lock (_gate)
        {
            Send(_line.Begin(SupervisorProtocol.Note).Add(id).Add(what).Add(detail));
        }
    }

    public void Error(string message)
    {
        lock (_gate)
        {
            Send(_line.Begin(SupervisorProtocol.Error).Add(message));
        }
    }

    private void Send(ProtocolLine line)
    {
        if (!_broken && Native.WriteAll(fd, line.End()) != 0)
        {
            _broken = true;
        }
    }
}
