using System.Globalization;
using System.Text;
using Baton.Core.Executors;
using Baton.Core.Resources;

namespace Baton.Executors.Slurm;

/// <summary>
/// The batch script of one attempt (<c>attempts/N/job.sh</c>), kept so a user can read it and run it again with
/// <c>sbatch</c>. It runs the program in a process group of its own (bash job control), enforces the runtime limit
/// itself to the second (SLURM's <c>--time</c> is in minutes, and a SLURM timeout kills the script before it can
/// write a record), passes a <c>scancel</c>'s SIGTERM on to the program, and writes <c>exit.json</c> atomically
/// (temp file + rename) with the program's exit status, or the outcome <c>timed_out</c> or <c>killed</c>.
/// </summary>
internal static class JobScript
{
    public const string FileName = "job.sh";

    /// <summary>What SLURM itself writes for the job (its errors, e.g. "Exceeded job memory limit").</summary>
    public const string SlurmOutputFileName = "slurm.out";

    /// <summary>The program's peak resident memory in KiB, as the job script measured it (getrusage of its children).</summary>
    public const string PeakRssFileName = "peak_rss_kib";

    /// <summary>
    /// Perl (essential on Debian, present on nearly every cluster node) runs the program as its child, ignoring the
    /// signals meant for the program, and writes the largest resident size of its children (getrusage
    /// RUSAGE_CHILDREN, by syscall number: x86_64 98, aarch64 165) to the file named by its first argument; it then
    /// ends as the program did (same exit code, or the same signal). SLURM's own sampling misses short programs.
    /// </summary>
    private const string MeasurePeak =
        "$SIG{TERM}=$SIG{INT}=$SIG{HUP}=\"IGNORE\"; my $o=shift; my $p=fork; defined $p or exit 126; " +
        "if(!$p){$SIG{TERM}=$SIG{INT}=$SIG{HUP}=\"DEFAULT\"; exec {$ARGV[0]} @ARGV; exit 127} " +
        "waitpid($p,0); my $s=$?; my %n=(x86_64=>98,aarch64=>165); my $m=(POSIX::uname())[4]; " +
        "if($n{$m}){my $r=\"\\0\" x 144; if(syscall($n{$m},-1,$r)==0 && open(my $f,\">\",$o)){print $f unpack(\"q\",substr($r,32,8)),\"\\n\"; close $f}} " +
        "if($s&127){$SIG{TERM}=$SIG{INT}=$SIG{HUP}=\"DEFAULT\"; kill $s&127,$$; exit 128+($s&127)} exit $s>>8";

    /// <summary>The line slurmstepd writes when it kills a job over its <c>--mem</c>.</summary>
    public const string MemoryLimitMessage = "Exceeded job memory limit";

    /// <summary>The <c>sbatch</c> options for an attempt's resources and settings (without output and array options).</summary>
    public static List<string> ResourceOptions(AttemptRequest request, SlurmSettings settings, string? partition, TimeSpan killGrace, string jobName)
    {
        var r = request.Resources;
        var options = new List<string>
        {
            "--job-name=" + jobName,
            "--cpus-per-task=" + r.Cpus.ToString(CultureInfo.InvariantCulture),
        };
        if (r.MemoryBytes > 0)
        {
            options.Add("--mem=" + ((r.MemoryBytes + (1 << 20) - 1) >> 20).ToString(CultureInfo.InvariantCulture) + "M");
        }
        if (r.Runtime is { } runtime)
        {
            // The script enforces the limit itself; SLURM's limit (whole minutes) is a backstop a minute later.
            options.Add("--time=" + TimeLimitMinutes(runtime, killGrace).ToString(CultureInfo.InvariantCulture));
        }
        // The task's own GPU count wins over a slurm: block's; SLURM grants whole devices (gpu_memory is not sent:
        // docs/slurm.md says how to pick cards by memory with a constraint).
        var gpus = r.Gpus.Devices > 0 ? r.Gpus.Devices : settings.Gpus;
        if (gpus > 0)
        {
            options.Add("--gres=gpu:" + gpus.ToString(CultureInfo.InvariantCulture));
        }
        if (partition is not null)
        {
            options.Add("--partition=" + partition);
        }
        if (settings.Account is { } account)
        {
            options.Add("--account=" + account);
        }
        if (settings.Qos is { } qos)
        {
            options.Add("--qos=" + qos);
        }
        if (settings.Constraint is { } constraint)
        {
            options.Add("--constraint=" + constraint);
        }
        options.AddRange(settings.ExtraArgumentList);
        return options;
    }

    /// <summary>SLURM's <c>--time</c> for a runtime limit: whole minutes, a minute beyond the limit and the grace period.</summary>
    public static long TimeLimitMinutes(TimeSpan runtime, TimeSpan killGrace) =>
        (long)Math.Ceiling((runtime + killGrace).TotalSeconds / 60) + 1;

    /// <summary>The script's text. <paramref name="program"/> is the resolved path of argv[0].</summary>
    public static string Render(AttemptRequest request, string program, IReadOnlyList<string> sbatchOptions, TimeSpan killGrace)
    {
        var a = request.AttemptDirectory;
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append("# Attempt ").Append(request.Attempt.ToString(CultureInfo.InvariantCulture)).Append(" of Baton task ")
            .Append(OneLine(request.TaskName)).Append(", generated by Baton's SLURM executor.\n");
        s.Append("# Run it again with: sbatch ").Append(OneLine(Path.Join(a, FileName))).Append('\n');
        foreach (var option in sbatchOptions)
        {
            s.Append("#SBATCH ").Append(option).Append('\n');
        }
        s.Append("#SBATCH --output=").Append(Path.Join(a, SlurmOutputFileName)).Append('\n');
        s.Append("#SBATCH --open-mode=append\n");
        s.Append('\n');
        s.Append("set -m  # job control: the program leads a process group of its own, with default signal dispositions\n");
        s.Append("A=").Append(Quote(a)).Append('\n');
        s.Append("record() { printf '%s\\n' \"$1\" >\"$A/exit.json.tmp\" && mv -f \"$A/exit.json.tmp\" \"$A/exit.json\"; }\n");
        s.Append("ended() { date -u +%Y-%m-%dT%H:%M:%S+00:00; }\n");
        // A job SLURM requeued (scontrol requeue, preemption, a node failure) runs this script again: its first run
        // recorded the attempt as preempted (or left no record: lost), and Baton retries it as a new attempt.
        s.Append("if [ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ]; then echo \"requeued job $SLURM_JOB_ID: Baton runs a new attempt instead\" >&2; exit 0; fi\n");
        s.Append("mkdir -p \"$A\" && rm -f \"$A/exit.json\" \"$A/timed_out\" \"$A/").Append(PeakRssFileName).Append("\"\n");
        // SLURM_JOB_ID (set by SLURM) tells the task its job; for an array element it is the element's own id.
        s.Append("export BATON_ATTEMPT_DIR=\"$A\"\n");
        var runtime = request.Resources.Runtime;
        // SLURM's own end of the job (its time limit, which a partition or sbatch_args may set below the task's
        // runtime): one squeue when the job starts (SLURM 22.05 sets no SLURM_JOB_END_TIME). Empty when unlimited.
        s.Append("slurm_end=${SLURM_JOB_END_TIME:-$(squeue -h -j \"$SLURM_JOB_ID\" -o %e 2>/dev/null)}\n");
        s.Append("case \"$slurm_end\" in *[!0-9]*) slurm_end=$(date -d \"$slurm_end\" +%s 2>/dev/null) || slurm_end= ;; esac\n");
        if (runtime is { } limit)
        {
            s.Append("limit=").Append(Seconds(limit)).Append('\n');
            s.Append("deadline=$(( $(date +%s) + limit ))\n");
            s.Append("if [ -n \"$slurm_end\" ] && [ \"$slurm_end\" -lt \"$deadline\" ]; then deadline=$slurm_end; fi\n");
        }
        else
        {
            s.Append("deadline=$slurm_end\n");
        }
        s.Append("if [ -n \"$deadline\" ]; then export ").Append(AttemptVariables.Deadline).Append("=$deadline; else unset ")
            .Append(AttemptVariables.Deadline).Append("; fi  # Unix time (s, UTC) when the attempt's time ends\n");
        s.Append("cd ").Append(Quote(request.WorkingDirectory))
            .Append(" || { record '{\"exit_code\":126,\"message\":\"cannot enter the task directory on '\"$(hostname)\"'\"}'; exit 126; }\n");
        // The program runs under Perl's measurement when the node has Perl (see MeasurePeak), else directly.
        s.Append("measure=()\n");
        s.Append("if command -v perl >/dev/null 2>&1; then measure=(perl -MPOSIX -e ").Append(Quote(MeasurePeak)).Append(" -- \"$A/").Append(PeakRssFileName).Append("\"); fi\n");
        s.Append("\"${measure[@]}\" ");
        if (request.Environment.Count > 0)
        {
            // env, not export: a name need not be a shell identifier. It execs the program: the pid stays the same.
            s.Append("env");
            foreach (var (name, value) in request.Environment)
            {
                s.Append(' ').Append(Quote(name + "=" + value));
            }
            s.Append(' ');
        }
        s.Append(Quote(program));
        foreach (var arg in request.Argv.Skip(1))
        {
            s.Append(' ').Append(Quote(arg));
        }
        s.Append(" </dev/null >\"$A/stdout\" 2>\"$A/stderr\" &\n");
        s.Append("pid=$!\n");
        s.Append("killed=\n");
        // scancel sends SIGTERM to every process of the job; the script survives it to write the record.
        s.Append("trap 'killed=15; kill -TERM -- -$pid 2>/dev/null' TERM\n");
        if (runtime is not null)
        {
            s.Append("( sleep \"$limit\"; : >\"$A/timed_out\"; kill -TERM -- -$pid 2>/dev/null; sleep ")
                .Append(Seconds(killGrace)).Append("; kill -KILL -- -$pid 2>/dev/null ) </dev/null >/dev/null 2>&1 &\n");
            s.Append("watchdog=$!\n");
        }
        // wait returns early when a trapped signal arrives: wait again until the program has really ended.
        s.Append("while :; do wait $pid; code=$?; kill -0 $pid 2>/dev/null || break; done\n");
        // scancel signals every process of the job at once: a program that died of a signal may have gone first.
        // A moment's wait lets the script's own SIGTERM arrive, so a cancel is recorded as one.
        s.Append("if [ \"$code\" -gt 128 ] && [ -z \"$killed\" ]; then sleep 1 & wait $!; fi\n");
        if (runtime is not null)
        {
            s.Append("kill -KILL -- -$watchdog 2>/dev/null\n");
            s.Append("if [ -e \"$A/timed_out\" ]; then\n");
            s.Append("    record \"{\\\"exit_code\\\":null,\\\"outcome\\\":\\\"timed_out\\\",\\\"signal\\\":15,\\\"ended_at\\\":\\\"$(ended)\\\",\\\"message\\\":\\\"runtime limit of $limit s reached\\\"}\"\n");
            s.Append("    exit 0\n");
            s.Append("fi\n");
        }
        // A requeue ends this run with SIGTERM too; SLURM has counted one more restart of the job by then.
        s.Append("if [ -n \"$killed\" ]; then\n");
        s.Append("    restarts=$(scontrol show job \"$SLURM_JOB_ID\" 2>/dev/null | grep -o 'Restarts=[0-9]*')\n");
        s.Append("    if [ \"${restarts#Restarts=}\" -gt \"${SLURM_RESTART_COUNT:-0}\" ] 2>/dev/null; then\n");
        s.Append("        record \"{\\\"exit_code\\\":null,\\\"outcome\\\":\\\"preempted\\\",\\\"signal\\\":15,\\\"ended_at\\\":\\\"$(ended)\\\",\\\"message\\\":\\\"job $SLURM_JOB_ID requeued by SLURM (scontrol requeue, preemption or a node failure)\\\"}\"\n");
        s.Append("        exit 0\n");
        s.Append("    fi\n");
        s.Append("fi\n");
        // SLURM's time limit ends a job with SIGTERM (then SIGKILL after KillWait): a timeout, not a cancel.
        s.Append("if [ -n \"$killed\" ] && [ -n \"$slurm_end\" ] && [ \"$(date +%s)\" -ge \"$slurm_end\" ]; then\n");
        s.Append("    record \"{\\\"exit_code\\\":null,\\\"outcome\\\":\\\"timed_out\\\",\\\"signal\\\":15,\\\"ended_at\\\":\\\"$(ended)\\\",\\\"message\\\":\\\"SLURM's time limit of job $SLURM_JOB_ID reached\\\"}\"\n");
        s.Append("    exit 0\n");
        s.Append("fi\n");
        s.Append("if [ -n \"$killed\" ]; then\n");
        s.Append("    record \"{\\\"exit_code\\\":null,\\\"outcome\\\":\\\"killed\\\",\\\"signal\\\":15,\\\"ended_at\\\":\\\"$(ended)\\\",\\\"message\\\":\\\"job $SLURM_JOB_ID cancelled\\\"}\"\n");
        s.Append("    exit 0\n");
        s.Append("fi\n");
        s.Append("record \"{\\\"exit_code\\\":$code}\"\n");
        s.Append("exit $code\n");
        return s.ToString();
    }

    /// <summary>
    /// A word for bash, in single quotes: every byte except the quote itself stands for itself. A carriage return
    /// (sbatch refuses scripts with "DOS line breaks") is written in bash's <c>$'…'</c> quoting instead.
    /// </summary>
    public static string Quote(string value)
    {
        if (!value.Contains('\r', StringComparison.Ordinal))
        {
            return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        }
        var s = new StringBuilder("$'");
        foreach (var c in value)
        {
            s.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                '\r' => "\\r",
                '\n' => "\\n",
                _ => c.ToString(),
            });
        }
        return s.Append('\'').ToString();
    }

    private static string Seconds(TimeSpan value) =>
        Math.Max(1, (long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static string OneLine(string value) => value.Replace('\n', ' ').Replace('\r', ' ');
}
