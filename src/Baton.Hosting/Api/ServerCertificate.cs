using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Baton.Core.Errors;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Baton.Hosting.Api;

/// <summary>TLS for the TCP listener from a certificate file: PKCS#12 (.pfx, .p12), or PEM with its key file.</summary>
internal static class ServerCertificate
{
    public static void Apply(ListenOptions listen, NetworkListener network)
    {
        if (network.CertificatePath is not { } path)
        {
            return;
        }
        listen.UseHttps(Load(path, network.CertificateKeyPath, network.CertificatePassword));
    }

    public static X509Certificate2 Load(string path, string? keyPath, string? password)
    {
        try
        {
            if (keyPath is not null)
            {
                return password is null
                    ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
            }
            return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new BatonInputException($"--certificate '{path}': cannot load it{(keyPath is null ? " as PKCS#12 (for PEM, also give --certificate-key)" : $" with key '{keyPath}'")}: {QuotedText.OneLine(ex.Message)}");
        }
    }
}
