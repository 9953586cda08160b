namespace Baton.Experiments.Identity;

/// <summary>The one-byte tags of the typed-task identity encoding (docs/typed-tasks.md). Never renumber them.</summary>
internal static class IdentityTags
{
    public const byte Object = 0x00;
    public const byte Integer = 0x01;
    public const byte Float = 0x02;
    public const byte String = 0x03;
    public const byte Bool = 0x04;
    public const byte Name = 0x05;
    public const byte None = 0x06;
    public const byte List = 0x07;
    public const byte Task = 0x08;
    public const byte Dictionary = 0x09;
    public const byte Enum = 0x0a;
    public const byte InitTasks = 0x0c;
    public const byte Set = 0x0e;
}
