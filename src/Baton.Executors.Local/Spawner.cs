using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace Baton.Executors.Local;

/// <summary>
/// Starts processes with <c>posix_spawn</c>: in a new session (so each is a process group of its own and can be
/// killed as a whole, and no terminal's Ctrl-C reaches it), with every signal at its default and none blocked
/// (.NET ignores SIGPIPE, and a child would inherit that: a task would not die on a closed pipe), in a given
/// directory, with a fixed environment (or one given per program). An error in any of these is reported by the spawn call itself, so it
/// becomes a start failure, not a lost attempt. Used by the executor (to start the supervisor, stdio on pipes)
/// and by the supervisor (to start programs, stdio on the attempt's files); linked into both.
/// </summary>
internal sealed unsafe class Spawner : IDisposable
{
    private readonly void* _attributes;
    private readonly void* _environment;
    private bool _disposed;

    /// <param name="environment">The environment of everything this spawner starts, fixed now.</param>
    public Spawner(IDictionary environment)
    {
        var entries = environment.Cast<DictionaryEntry>().Select(e => $"{e.Key}={e.Value}").ToArray();
        _environment = Utf8Block(entries);
        EnvironmentCount = entries.Length;
        _attributes = NativeMemory.AllocZeroed(Native.SpawnAttrSize);
        var all = NativeMemory.AllocZeroed(Native.SigSetSize);
        var none = NativeMemory.AllocZeroed(Native.SigSetSize);
        try
        {
            Check(Native.SpawnAttrInit(_attributes), "posix_spawnattr_init");
            Check(Native.SigFillSet(all), "sigfillset");
            Check(Native.SigEmptySet(none), "sigemptyset");
            Check(Native.SpawnAttrSetSigDefault(_attributes, all), "posix_spawnattr_setsigdefault");
            Check(Native.SpawnAttrSetSigMask(_attributes, none), "posix_spawnattr_setsigmask");
            Check(Native.SpawnAttrSetFlags(_attributes, Native.POSIX_SPAWN_SETSID | Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK),
                "posix_spawnattr_setflags");
        }
        finally
        {
            // The attributes keep copies of the sets.
            NativeMemory.Free(all);
            NativeMemory.Free(none);
        }
    }

    /// <summary>
    /// Starts a program with stdin from /dev/null and stdout/stderr truncated and opened on the given files.
    /// All strings are NUL-terminated; <paramref name="path"/> is what is executed, <paramref name="argv"/>
    /// (NULL-terminated) what it receives.
    /// </summary>
    /// <returns>0 and the pid, or an errno.</returns>
    /// <param name="environment">The program's NULL-terminated environment; null for this spawner's own.</param>
    public int Spawn(byte* path, byte** argv, byte* workingDirectory, byte* stdoutPath, byte* stderrPath, byte** environment, out int pid)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var actions = stackalloc byte[Native.FileActionsSize];
        pid = 0;
        Check(Native.FileActionsInit(actions), "posix_spawn_file_actions_init");
        try
        {
            const int writeFlags = Native.O_WRONLY | Native.O_CREAT | Native.O_TRUNC;
            fixed (byte* devNull = "/dev/null\0"u8)
            {
                var result = Native.FileActionsAddChdir(actions, workingDirectory);
                result = result != 0 ? result : Native.FileActionsAddOpen(actions, 0, devNull, Native.O_RDONLY, 0);
                result = result != 0 ? result : Native.FileActionsAddOpen(actions, 1, stdoutPath, writeFlags, 0x1b6 /* 0666, less umask */);
                result = result != 0 ? result : Native.FileActionsAddOpen(actions, 2, stderrPath, writeFlags, 0x1b6);
                return result != 0 ? result : Native.PosixSpawn(out pid, path, actions, _attributes, argv, environment != null ? environment : (byte**)_environment);
            }
        }
        finally
        {
            _ = Native.FileActionsDestroy(actions);
        }
    }

    /// <summary>Starts a helper process whose stdin, stdout and stderr are the given descriptors (pipe ends).</summary>
    /// <returns>0 and the pid, or an errno.</returns>
    public int Spawn(string path, IReadOnlyList<string> argv, string workingDirectory, int stdin, int stdout, int stderr, out int pid)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var strings = Utf8Block([path, workingDirectory]);
        var args = Utf8Block(argv);
        var actions = stackalloc byte[Native.FileActionsSize];
        pid = 0;
        try
        {
            Check(Native.FileActionsInit(actions), "posix_spawn_file_actions_init");
            try
            {
                var s = (byte**)strings;
                // dup2 clears close-on-exec on the copy: the pipe ends are O_CLOEXEC everywhere else.
                var result = Native.FileActionsAddChdir(actions, s[1]);
                result = result != 0 ? result : Native.FileActionsAddDup2(actions, stdin, 0);
                result = result != 0 ? result : Native.FileActionsAddDup2(actions, stdout, 1);
                result = result != 0 ? result : Native.FileActionsAddDup2(actions, stderr, 2);
                return result != 0 ? result : Native.PosixSpawn(out pid, s[0], actions, _attributes, (byte**)args, (byte**)_environment);
            }
            finally
            {
                _ = Native.FileActionsDestroy(actions);
            }
        }
        finally
        {
            NativeMemory.Free(args);
            NativeMemory.Free(strings);
        }
    }

    /// <summary>This spawner's own environment: a NULL-terminated table of <c>NAME=VALUE</c> C strings.</summary>
    public byte** Environment => (byte**)_environment;

    /// <summary>How many entries <see cref="Environment"/> holds.</summary>
    public int EnvironmentCount { get; }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _ = Native.SpawnAttrDestroy(_attributes);
        NativeMemory.Free(_attributes);
        NativeMemory.Free(_environment);
    }

    /// <summary>A NULL-terminated array of pointers to NUL-terminated UTF-8 strings, in one allocation.</summary>
    private static void* Utf8Block(IReadOnlyList<string> strings)
    {
        var count = strings.Count;
        var pointers = (count + 1) * sizeof(byte*);
        var total = pointers;
        for (var i = 0; i < count; i++)
        {
            total += Encoding.UTF8.GetByteCount(strings[i]) + 1;
        }
        var block = (byte*)NativeMemory.Alloc((nuint)total);
        var table = (byte**)block;
        var next = block + pointers;
        for (var i = 0; i < count; i++)
        {
            table[i] = next;
            var written = Encoding.UTF8.GetBytes(strings[i], new Span<byte>(next, total - (int)(next - block)));
            next[written] = 0;
            next += written + 1;
        }
        table[count] = null;
        return block;
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed: {Marshal.GetPInvokeErrorMessage(result)}");
        }
    }
}
