using System.Reflection;
using Baton.Core.Errors;

namespace Baton.Cli.Nodes;

/// <summary>How to start the <c>baton</c> program again (a node, a background run): its apphost, or the muxer with its assembly.</summary>
internal static class BatonProgram
{
    public static string[] Command()
    {
        var process = Environment.ProcessPath ?? throw new BatonInputException("cannot tell which program this is, to start it in the background");
        var baton = typeof(BatonApp).Assembly.Location;
        if (Assembly.GetEntryAssembly() == typeof(BatonApp).Assembly)
        {
            return Path.GetFileNameWithoutExtension(process) == "dotnet" && baton.Length > 0 ? [process, baton] : [process];
        }
        // Hosted by another program (tests, a user's application): run baton's assembly with the muxer.
        var muxer = Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        return [muxer, baton];
    }
}
