using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Baton.Cli.Tests.Server;

/// <summary><c>baton serve --certificate</c>: HTTPS from a PEM certificate and key, or a PKCS#12 file with a password.</summary>
public sealed class ServeTlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A self-signed certificate for 127.0.0.1, valid for a day.</summary>
    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>A client that trusts <paramref name="certificate"/> only (a test cannot add it to the machine's roots).</summary>
    private static SocketsHttpHandler Trusting(X509Certificate2 certificate) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString() },
    };

    [Fact]
    public async Task A_pem_certificate_serves_https_with_a_secure_session_cookie()
    {
        using var cli = new CliRunner();
        using var certificate = SelfSigned();
        var certificatePath = Path.Combine(cli.Root, "server.crt");
        var keyPath = Path.Combine(cli.Root, "server.key");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem(), Ct);
        await File.WriteAllTextAsync(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(), Ct);

        await using var server = await TeamServer.StartAsync(cli, "--certificate", certificatePath, "--certificate-key", keyPath);
        Assert.Equal("https", server.Address.Scheme);
        Assert.Equal("https", server.LoginLink.Scheme);
        using var http = new ServerHttp(server, Trusting(certificate));
        using (var health = await http.GetAsync("healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        using var login = await http.GetAsync(server.LoginLink.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains("secure", login.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);

        // The CLI trusts the machine's roots only: a self-signed server is refused in one line, not a crash.
        var reader = await TeamServer.TokenAsync(cli, "reader", "read");
        var refused = await cli.RunAsync("runs", "--server", server.Address.AbsoluteUri, "--token", reader);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        var line = Assert.Single(refused.Error.TrimEnd('\n').Split('\n'));
        Assert.Contains("certificate", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_pkcs12_certificate_takes_its_password_from_the_named_variable_and_a_wrong_one_is_one_line()
    {
        using var cli = new CliRunner();
        using var certificate = SelfSigned();
        var pfx = Path.Combine(cli.Root, "server.pfx");
        const string Variable = "BATON_TEST_PFX_PASSWORD";
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, password), Ct);
        Environment.SetEnvironmentVariable(Variable, password);
        try
        {
            await using (var server = await TeamServer.StartAsync(cli, "--certificate", pfx, "--certificate-password-env", Variable))
            {
                using var http = new ServerHttp(server, Trusting(certificate));
                using var health = await http.GetAsync("readyz");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }
            Environment.SetEnvironmentVariable(Variable, "wrong");
            var wrong = await cli.RunAsync("serve", "--listen", "127.0.0.1:0", "--certificate", pfx, "--certificate-password-env", Variable);
            Assert.True(wrong.ExitCode == 2, wrong.ToString());
            Assert.StartsWith($"baton: error: --certificate '{pfx}': cannot load it as PKCS#12", wrong.Error, StringComparison.Ordinal);
            Assert.Single(wrong.Error.TrimEnd('\n').Split('\n'));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }
}
