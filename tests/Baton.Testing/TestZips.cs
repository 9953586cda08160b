using System.IO.Compression;

namespace Baton.Testing;

/// <summary>Zip archives written by tests, with each entry's Unix mode (file type and permission bits) as a client would set it.</summary>
public static class TestZips
{
    public const int File = 0x8000 | 0x1A4;
    public const int Executable = 0x8000 | 0x1ED;
    public const int Link = 0xA000 | 0x1FF;

    public static byte[] Create(params (string Name, string Text, int Mode)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text, mode) in entries)
            {
                var entry = archive.CreateEntry(name);
                entry.ExternalAttributes = mode << 16;
                using var writer = new StreamWriter(entry.Open());
                writer.Write(text);
            }
        }
        return buffer.ToArray();
    }
}
