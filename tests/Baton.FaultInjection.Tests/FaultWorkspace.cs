using System.Globalization;
using System.Text;
using Baton.Core.Stores;
using Baton.Stores.Sqlite;
using Baton.Testing;
using Microsoft.Data.Sqlite;

namespace Baton.FaultInjection.Tests;

/// <summary>
/// A workspace, a workflow directory and a ledger for fault tests: each task of the test workflows appends its
/// identity (its directory's name) to the ledger when its attempt starts, so the ledger tells how often each task
/// really ran, whatever the store says.
/// </summary>
internal sealed class FaultWorkspace : IDisposable
{
    private readonly TempDirectory _directory = new("baton-faults-");
    private int _outputs;

    public FaultWorkspace()
    {
        Directory.CreateDirectory(Workspace);
        File.WriteAllText(Ledger, "");
    }

    public string Root => _directory.Path;

    public string Workspace => _directory.Combine("ws");

    public string Ledger => _directory.Combine("ledger");

    public static TimeSpan Generous => TimeSpan.FromMinutes(3);

    /// <summary>Writes a file beside the workflows and returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = _directory.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The last lines of the workspace's node log, for failure messages (a node's own death is told there).</summary>
    public string NodeLogTail(int lines = 40)
    {
        var path = Path.Combine(Workspace, "logs", "node.log");
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(lines)) : "(no node log)";
    }

    /// <summary>A fresh file for one baton process's output.</summary>
    public string NextOutput() => _directory.Combine($"baton-{Interlocked.Increment(ref _outputs)}.out");

    /// <summary><c>baton ARGS --workspace WS</c>, started and left running.</summary>
    public BatonProcess Start(params string[] args) => BatonProcess.Start(NextOutput(), [.. args, "--workspace", Workspace]);

    /// <summary><c>baton ARGS --workspace WS</c> to its end.</summary>
    public Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        BatonProcess.RunAsync(NextOutput(), Generous, [.. args, "--workspace", Workspace]);

    /// <summary>
    /// A task script that first appends the task's identity (its directory's name) to the ledger, then runs
    /// <paramref name="body"/>; returns its path.
    /// </summary>
    public string LedgerTask(string body) => Write("task.sh", $"""
        basename "$PWD" >> '{Ledger}'
        {body}
        """);

    /// <summary>A workflow <paramref name="name"/> of <paramref name="count"/> tasks NAME-i, each <c>sh SCRIPT i</c>.</summary>
    public string Workflow(string name, string script, int count, int maxAttempts = 3) => Write(name + ".yaml", $"""
        name: {name}
        defaults:
          resources: {"{"} cpus: 1, memory: 16M {"}"}
          max_attempts: {maxAttempts}
        templates:
          step:
            command: sh {script} {"{"}i{"}"}
            node_args: [i]
        tasks:
          - name: {name}-{"{"}i{"}"}
            template: step
            foreach: {"{"} i: {Numbers(count)} {"}"}
        """);

    /// <summary>The ledger's lines (task identities), in order.</summary>
    public string[] LedgerLines() => File.ReadAllLines(Ledger);

    /// <summary>A list of numbers for a foreach: [0, 1, ..., count-1].</summary>
    public static string Numbers(int count) =>
        "[" + string.Join(", ", Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]";

    public async Task<IReadOnlyList<TaskRow>> TasksAsync(string workflow)
    {
        await using var store = await SqliteStore.OpenAsync(Path.Combine(Workspace, "baton.db"), cancellationToken: TestContext.Current.CancellationToken);
        return await store.ListTasksAsync(new TaskFilter { Workflow = workflow }, TestContext.Current.CancellationToken);
    }

    public async Task<TaskDetails> DetailsAsync(long taskId)
    {
        await using var store = await SqliteStore.OpenAsync(Path.Combine(Workspace, "baton.db"), cancellationToken: TestContext.Current.CancellationToken);
        return (await store.GetTaskDetailsAsync(taskId, TestContext.Current.CancellationToken))!;
    }

    /// <summary>SQLite's own check of the database file: "ok" when nothing is corrupt (or there is no database yet).</summary>
    public string IntegrityCheck()
    {
        if (!File.Exists(Path.Combine(Workspace, "baton.db")))
        {
            return "ok";
        }
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(Workspace, "baton.db"),
            // Read-write: opening recovers the WAL a killed writer left behind.
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        var lines = new StringBuilder();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            lines.AppendLine(reader.GetString(0));
        }
        return lines.ToString().Trim();
    }

    public void Dispose()
    {
        // The workspace's node, if a run started one, is stopped (its runs interrupted) before its directory goes.
        if (File.Exists(Path.Combine(Workspace, "node.sock")))
        {
            BatonProcess.RunAsync(NextOutput(), Generous, "node", "stop", "--force", "--workspace", Workspace).GetAwaiter().GetResult();
        }
        _directory.Dispose();
    }
}
