using System.Runtime.Versioning;

// The local executor runs attempts through setsid, sh and /proc: its tests run on Linux only.
[assembly: SupportedOSPlatform("linux")]
