using System.Text;

namespace Baton.Testing.Fuzzing;

/// <summary>One generated workflow file: what made it, and its bytes.</summary>
public sealed record HostileDocument(int Seed, int Case, string Kind, byte[] Bytes)
{
    /// <summary>How to name the case in a failure: enough to run it again (BATON_FUZZ_SEED, BATON_FUZZ_CASE).</summary>
    public override string ToString()
    {
        var text = Encoding.UTF8.GetString(Bytes);
        var shown = text.Length > 300 ? text[..300] + $"… ({text.Length} characters)" : text;
        return $"seed {Seed} case {Case} ({Kind}): {Core.Errors.QuotedText.Escape(shown)}";
    }
}

/// <summary>
/// Generates hostile workflow files, reproducibly from a seed and a case number: truncations and mutations of valid
/// files, random token soup, deep nesting, alias bombs, huge values, hostile names and amounts, random bytes.
/// </summary>
public static class HostileDocuments
{
    /// <summary>Valid files, from which truncations and mutations start.</summary>
    public static IReadOnlyList<string> ValidFiles { get; } =
    [
        """
        name: quickstart
        defaults:
          resources: { cpus: 1, memory: 64M, runtime: 1m }
          max_attempts: 2
        templates:
          simulate:
            command: sh {workflow_dir}/simulate.sh {rate} {seed} {steps} {task_dir}/trajectory.txt
            node_args: [rate, seed]
            task_args: [steps]
          analyze:
            command: sh {workflow_dir}/analyze.sh {dir:sim-{rate}-{seed}}/trajectory.txt {task_dir}/stats.txt
            node_args: [rate, seed]
        tasks:
          - name: sim-{rate}-{seed}
            template: simulate
            foreach: { rate: [2.8, 3.5, 3.9], seed: [1, 2] }
            args: { steps: 20000 }
            tags: [sweep]
          - name: analyze-{rate}-{seed}
            template: analyze
            foreach: { rate: [2.8, 3.5, 3.9], seed: [1, 2] }
          - name: report
            command: sh {workflow_dir}/report.sh {upstream_dirs} {task_dir}/report.txt
            after: [analyze]

        """,
        """
        name: grouped
        max_concurrent: 4
        fail_fast: true
        attributes: { owner: me, purpose: "a \"test\"" }
        tasks:
          - { name: prep, command: 'sh {workflow_dir}/prep.sh' }
          - { name: download, command: 'sh {workflow_dir}/download.sh', resources: { memory: 1G, runtime: '01:30:00' } }
          - { name: train, command: 'sh {workflow_dir}/train.sh', priority: -3, retry_on_exit_codes: [3, 75] }
          - name: report
            command: sh {workflow_dir}/report.sh
            after: [chain]
            resource_scales: { memory: 1.0, runtime: [2h, 4h] }
        groups:
          chain:
            strategy: sequential
            members: [download, train]
            after: [prep]
            on_start: sh {workflow_dir}/notify.sh started {group}
            on_end: sh {workflow_dir}/notify.sh ended {group}

        """,
        """
        name: sweep
        workflow_args: { version: '3' }
        slurm: { partition: debug }
        templates:
          t:
            command: run --x {x} --y {y} --z {z}
            node_args: [x]
            task_args: [y]
            op_args: [z]
            resources: { cpus: 2, gpus: 1, gpu_memory: 50% }
            tokens: { license: 1 }
            max_concurrent: 2
        tasks:
          - template: t
            foreach: { x: [a, b, c] }
            args: { y: 1, z: 2 }
            attributes: { k: v }
            no_retry_on_exit_codes: [2]

        """,
    ];

    private static readonly string[] Tokens =
    [
        "name:", "tasks:", "templates:", "groups:", "defaults:", "command:", "template:", "foreach:", "args:", "after:",
        "resources:", "members:", "node_args:", "memory:", "runtime:", "cpus:", "-", "- ", "[", "]", "{", "}", ",", ":",
        ": ", "?", "? ", "&a", "*a", "&b ", "*b", "!!str", "!!int ", "!tag", "!<x>", "---", "...", "%YAML 1.2", "%TAG ! !x",
        "'", "\"", "''", "|", ">", "|-", "#", "\n", "\n  ", "\n    ", "  ", "\t", "a", "b", "x", "{x}", "{dir:a}",
        "{task_dir}", "{{", "}}", "0", "-1", "256", "2913000d", "99999999999999999999", "1e309", "NaN", "0x10", "5000P",
        "\u202E", "\u200B", "\uFEFF", "\u0000", "\u001b[2J", "\u0007", "\r", "\u2028", "\uD800", "é", "日本", "😀",
        "\\", "\\u0000", "\"\\e\"", "..", "/", "echo a", "sh -c 'x'", "~", "null", "true", "<<", "=",
    ];

    private static readonly string[] Kinds =
        ["truncation", "mutation", "token soup", "deep nesting", "alias bomb", "huge value", "hostile value", "random bytes"];

    /// <summary>The document of case <paramref name="index"/> for <paramref name="seed"/>: always the same bytes.</summary>
    public static HostileDocument Make(int seed, int index)
    {
        var random = new Random(unchecked((seed * 1_000_003) ^ (index * 7919) ^ index));
        var kind = index % Kinds.Length;
        var text = kind switch
        {
            0 => Truncate(random),
            1 => Mutate(random),
            2 => TokenSoup(random),
            3 => DeepNesting(random),
            4 => AliasBomb(random),
            5 => HugeValue(random),
            6 => HostileValue(random),
            _ => null,
        };
        var bytes = text is null ? RandomBytes(random) : Encoding.UTF8.GetBytes(text);
        return new HostileDocument(seed, index, Kinds[kind], bytes);
    }

    private static string Valid(Random random) => ValidFiles[random.Next(ValidFiles.Count)];

    private static string Truncate(Random random)
    {
        var valid = Valid(random);
        return valid[..random.Next(valid.Length + 1)];
    }

    private static string Mutate(Random random)
    {
        var text = new StringBuilder(Valid(random));
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            var at = random.Next(text.Length + 1);
            switch (random.Next(4))
            {
                case 0:
                    text.Insert(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 1 when text.Length > 0:
                    var length = Math.Min(random.Next(1, 20), text.Length - Math.Min(at, text.Length - 1));
                    text.Remove(Math.Min(at, text.Length - 1), length);
                    break;
                case 2 when text.Length > 0:
                    text[Math.Min(at, text.Length - 1)] = (char)random.Next(0x20, 0x7f);
                    break;
                default:
                    // Repeat a slice: duplicate keys, entries, lines.
                    var start = random.Next(text.Length);
                    var slice = text.ToString(start, Math.Min(random.Next(1, 80), text.Length - start));
                    text.Insert(at, slice);
                    break;
            }
        }
        return text.ToString();
    }

    private static string TokenSoup(Random random)
    {
        var text = new StringBuilder();
        for (var n = random.Next(1, 60); n > 0; n--)
        {
            text.Append(Tokens[random.Next(Tokens.Length)]);
            if (random.Next(3) == 0)
            {
                text.Append(' ');
            }
        }
        return text.ToString();
    }

    private static string DeepNesting(Random random)
    {
        var depth = random.Next(3) switch
        {
            0 => random.Next(1, 40),
            1 => random.Next(40, 2_000),
            _ => random.Next(2_000, 100_000),
        };
        var prefix = random.Next(2) == 0 ? "name: a\ntasks: [{ name: a, command: echo a }]\nx: " : "";
        return random.Next(4) switch
        {
            0 => prefix + new string('[', depth) + new string(']', random.Next(depth + 1)),
            1 => prefix + string.Concat(Enumerable.Repeat("{a: ", depth)),
            2 => string.Concat(Enumerable.Range(0, Math.Min(depth, 3_000)).Select(i => new string(' ', i) + "- \n")),
            _ => prefix + string.Concat(Enumerable.Repeat("? ", depth)) + "x",
        };
    }

    private static string AliasBomb(Random random)
    {
        var text = new StringBuilder("name: bomb\ntasks: [{ name: a, command: echo a }]\n");
        var levels = random.Next(1, 12);
        text.Append("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= levels; i++)
        {
            text.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n");
        }
        text.Append(random.Next(3) switch
        {
            0 => $"? *a{levels}\n: boom\n",
            1 => "? &k [*k]\n",
            _ => $"defaults: *a{levels}\n",
        });
        return text.ToString();
    }

    private static string HugeValue(Random random)
    {
        var size = random.Next(2) == 0 ? random.Next(300, 5_000) : random.Next(100_000, 1_000_000);
        var huge = new string((char)random.Next('a', 'z' + 1), size);
        return random.Next(5) switch
        {
            0 => $"name: {huge}\ntasks: [{{ name: a, command: echo a }}]\n",
            1 => $"name: w\ntasks: [{{ name: '{huge} x', command: echo a }}]\n",
            2 => $"name: w\ntasks: [{{ name: a, command: echo a, resources: {{ memory: {new string('9', size)}G }} }}]\n",
            3 => $"name: w\ntasks: [{{ name: a, command: 'echo {{{huge}}}' }}]\n",
            _ => $"name: w\n{huge}: 1\ntasks: [{{ name: a, command: echo a }}]\n",
        };
    }

    private static readonly string[] HostileNames =
        ["..", ".", "a/b", "a\\\\b", "\\u202Eab", "a\\u200Bb", "\\e[2J", "a\\nb", "\\u0007", "-rf", "\\uD800", "\\x00", "a b", "{x}"];

    private static readonly string[] HostileAmounts =
        ["2913000d", "366d", "0", "-1", "1e9", "99999999999", "5000P", "0.0000001", "256", "2147483648", "NaN", "∞", "１２"];

    private static string HostileValue(Random random)
    {
        string Name() => HostileNames[random.Next(HostileNames.Length)];
        string Amount() => HostileAmounts[random.Next(HostileAmounts.Length)];
        return random.Next(8) switch
        {
            0 => $"name: \"{Name()}\"\ntasks: [{{ name: a, command: echo a }}]\n",
            1 => $"name: w\ntasks: [{{ name: \"{Name()}\", command: echo a }}]\n",
            2 => $"name: w\ntemplates: {{ \"{Name()}\": {{ command: echo a }} }}\ntasks: [{{ name: a, command: echo a }}]\n",
            3 => $"name: w\ntasks: [{{ name: a, command: echo a }}]\ngroups: {{ \"{Name()}\": {{ members: [a], on_start: echo s }} }}\n",
            4 => $"name: w\ntasks: [{{ name: a, command: echo a, resources: {{ runtime: \"{Amount()}\", memory: \"{Amount()}\" }} }}]\n",
            5 => $"name: w\ntasks: [{{ name: a, command: echo a, retry_on_exit_codes: [{Amount()}], max_attempts: {Amount()} }}]\n",
            6 => $"name: w\ntasks: [{{ name: a, command: echo a, tags: [\"{Name()}\"], attributes: {{ \"{Name()}\": x }} }}]\n",
            _ => $"name: w\ntasks: [{{ name: a, command: echo a, resources: {{ cpus: {Amount()}, gpus: {Amount()}, gpu_memory: \"{Amount()}\" }} }}]\n",
        };
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 400)];
        random.NextBytes(bytes);
        if (random.Next(2) == 0)
        {
            // Mostly text, with a few bytes that are not UTF-8 somewhere inside.
            var valid = Encoding.UTF8.GetBytes(Valid(random));
            var at = random.Next(valid.Length);
            return [.. valid[..at], .. bytes.Take(random.Next(1, 4)), .. valid[at..]];
        }
        return bytes;
    }
}
