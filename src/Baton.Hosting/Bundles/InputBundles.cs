using System.IO.Compression;
using System.Security.Cryptography;
using Baton.Core.Errors;

namespace Baton.Hosting.Bundles;

/// <summary>
/// The workflow directories that remote clients upload (<c>POST /api/v1/bundles</c>, a zip), kept under
/// <c>&lt;workspace&gt;/bundles/&lt;digest&gt;/</c>. A bundle is named by the SHA-256 of its bytes, so the same upload
/// lands in the same directory: its tasks keep their identities ({workflow_dir} is the same), and a second run of it
/// runs nothing that is Done. Every entry is checked before anything is written (relative, no <c>..</c>, no links,
/// within the limits) and the directory appears whole or not at all.
/// </summary>
public sealed class InputBundles(string workspaceRoot, BundleLimits limits)
{
    public string Root { get; } = Path.Combine(workspaceRoot, "bundles");

    public BundleLimits Limits { get; } = limits;

    /// <summary>Stores the zip read from <paramref name="body"/>; throws <see cref="BatonInputException"/> for a bad one.</summary>
    public async Task<StoredBundle> StoreAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        Directory.CreateDirectory(Root);
        var upload = Path.Combine(Root, $".upload-{Guid.NewGuid():N}.zip");
        var staging = Path.Combine(Root, $".staging-{Guid.NewGuid():N}");
        try
        {
            string id;
            await using (var file = new FileStream(upload, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (file.Length + read > Limits.MaxUploadBytes)
                    {
                        throw new BundleTooLargeException($"the bundle is larger than {Limits.MaxUploadBytes} bytes");
                    }
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                id = Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
            }
            var target = Path.Combine(Root, id);
            if (Directory.Exists(target))
            {
                return new StoredBundle(id, Count(target), 0);
            }
            var (files, bytes) = Extract(upload, staging, cancellationToken);
            try
            {
                Directory.Move(staging, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // The same bundle, uploaded at the same moment by another client, got there first: it is identical.
            }
            return new StoredBundle(id, files, bytes);
        }
        finally
        {
            File.Delete(upload);
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>The full path of <paramref name="file"/> inside bundle <paramref name="id"/>, checked to stay inside it.</summary>
    public string Resolve(string id, string file)
    {
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower))
        {
            throw new BatonInputException($"bundle '{Shorten(id)}' is not a bundle id (32 hexadecimal digits)");
        }
        var directory = Path.Combine(Root, id);
        if (!Directory.Exists(directory))
        {
            throw new BatonInputException($"no bundle '{id}' on this server (upload it first: POST /api/v1/bundles)");
        }
        if (CheckedPath(file) is { } problem)
        {
            throw new BatonInputException($"file '{Shorten(file)}' in bundle {id}: {problem}");
        }
        var full = Path.GetFullPath(Path.Combine(directory, file));
        if (!full.StartsWith(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new BatonInputException($"file '{Shorten(file)}' is outside bundle {id}");
        }
        return full;
    }

    /// <summary>Why a path from a client cannot name a file inside a bundle; null when it can.</summary>
    internal static string? CheckedPath(string path)
    {
        if (path.Length == 0 || path.Length > 1024)
        {
            return "a path is 1 to 1024 characters";
        }
        if (path.Contains('\\', StringComparison.Ordinal) || path.Any(char.IsControl))
        {
            return "a path has no backslash and no control character";
        }
        if (path.StartsWith('/'))
        {
            return "a path is relative to the bundle";
        }
        if (path.Split('/').Any(part => part is "" or "." or ".."))
        {
            return "a path has no empty, '.' or '..' part";
        }
        return null;
    }

    private (int Files, long Bytes) Extract(string upload, string staging, CancellationToken cancellationToken)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(upload);
        }
        catch (InvalidDataException ex)
        {
            throw new BatonInputException($"the bundle is not a zip file: {ex.Message}");
        }
        using (archive)
        {
            if (archive.Entries.Count > Limits.MaxFiles)
            {
                throw new BundleTooLargeException($"the bundle has {archive.Entries.Count} entries; at most {Limits.MaxFiles} are taken");
            }
            long expanded = 0;
            foreach (var entry in archive.Entries)
            {
                var name = entry.FullName.EndsWith('/') ? entry.FullName[..^1] : entry.FullName;
                if (CheckedPath(name) is { } problem)
                {
                    throw new BatonInputException($"bundle entry '{Shorten(entry.FullName)}': {problem}");
                }
                // Unix mode bits live in the high half of the external attributes; a link could point anywhere.
                var type = (entry.ExternalAttributes >> 16) & 0xF000;
                if (type != 0 && type != 0x8000 && type != 0x4000)
                {
                    throw new BatonInputException($"bundle entry '{Shorten(entry.FullName)}' is not a file or a directory (links are not taken)");
                }
                expanded += entry.Length;
            }
            if (expanded > Limits.MaxExpandedBytes)
            {
                throw new BundleTooLargeException($"the bundle expands to {expanded} bytes; at most {Limits.MaxExpandedBytes} are taken");
            }
            Directory.CreateDirectory(staging);
            var files = 0;
            long written = 0;
            foreach (var entry in archive.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = Path.Combine(staging, entry.FullName.TrimEnd('/'));
                if (entry.FullName.EndsWith('/'))
                {
                    Directory.CreateDirectory(path);
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using (var source = entry.Open())
                using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                {
                    // The sizes the archive declares are not trusted: what is written is counted too.
                    var buffer = new byte[81920];
                    int read;
                    while ((read = source.Read(buffer)) > 0)
                    {
                        written += read;
                        if (written > Limits.MaxExpandedBytes)
                        {
                            throw new BundleTooLargeException($"the bundle expands to more than {Limits.MaxExpandedBytes} bytes");
                        }
                        target.Write(buffer, 0, read);
                    }
                }
                // Scripts keep their executable bit.
                if (((entry.ExternalAttributes >> 16) & 0x49) != 0 && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
                }
                files++;
            }
            return (files, written);
        }
    }

    private static int Count(string directory) => Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Count();

    private static string Shorten(string text) => QuotedText.Shorten(QuotedText.Escape(text));
}

/// <summary>How large an uploaded bundle may be: the zip, the files in it, and what they expand to.</summary>
public sealed record BundleLimits
{
    public long MaxUploadBytes { get; init; } = 256L * 1024 * 1024;
    public int MaxFiles { get; init; } = 20_000;
    public long MaxExpandedBytes { get; init; } = 2L * 1024 * 1024 * 1024;
}

/// <summary>A bundle over one of the <see cref="BundleLimits"/>.</summary>
public sealed class BundleTooLargeException(string message) : BatonInputException(message);

/// <summary>An uploaded bundle: its id, and the files and bytes it brought (0 bytes when it was there already).</summary>
public sealed record StoredBundle(string Id, int Files, long Bytes);
