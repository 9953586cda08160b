using System.Globalization;
using System.Net;
using Baton.Core.Errors;

namespace Baton.Hosting.Api;

/// <summary>
/// Where <c>baton serve</c> listens over TCP (<c>--listen HOST:PORT</c>), besides the workspace's Unix socket, and
/// how: TLS from a certificate file, forwarded headers from a proxy on this machine.
/// </summary>
/// <param name="Address">An IP address; <see cref="IPAddress.Any"/> or <see cref="IPAddress.IPv6Any"/> for every interface.</param>
/// <param name="Port">The port; 0 picks a free one (the server reports which).</param>
public sealed record NetworkListener(IPAddress Address, int Port)
{
    /// <summary>A PKCS#12 (.pfx) file, or a PEM certificate when <see cref="CertificateKeyPath"/> is set; null: plain HTTP.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/>.</summary>
    public string? CertificateKeyPath { get; init; }

    /// <summary>The password of the certificate file or key, if any.</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>Take the client's address and scheme from <c>X-Forwarded-For</c>/<c>-Proto</c>/<c>-Host</c>, set by a proxy on loopback.</summary>
    public bool BehindProxy { get; init; }

    /// <summary>Largest request body, in bytes, above which a request is answered 413 (endpoints that take uploads raise their own).</summary>
    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    public bool UsesTls => CertificatePath is not null;

    /// <summary>Whether only this machine can reach it.</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    /// <summary><c>127.0.0.1:8080</c>, <c>[::1]:8080</c>, <c>localhost:8080</c>, <c>*:8080</c> or <c>0.0.0.0:8080</c> (every interface).</summary>
    public static NetworkListener Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new BatonInputException($"--listen '{QuotedText.Shorten(QuotedText.Escape(text))}' must be HOST:PORT, such as 127.0.0.1:8080 or *:8443");
        }
        var host = text[..colon];
        var address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "" => IPAddress.IPv6Any,
            _ when host.StartsWith('[') && host.EndsWith(']') && IPAddress.TryParse(host[1..^1], out var v6) => v6,
            _ when IPAddress.TryParse(host, out var ip) => ip,
            _ => throw new BatonInputException($"--listen '{QuotedText.Shorten(QuotedText.Escape(text))}': the host must be an IP address, localhost or * (every interface)"),
        };
        return new NetworkListener(address, port);
    }
}
