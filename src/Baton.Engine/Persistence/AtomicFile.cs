namespace Baton.Engine.Persistence;

/// <summary>Writes a file so that a reader sees either the old content or the whole new one, never a part.</summary>
public static class AtomicFile
{
    public static void Write(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
