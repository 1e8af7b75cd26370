using System;
using System.Collections.Generic;
using System.IO;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>Bad input gets a clear exception, never a crash.</summary>
    public class BadInputTests
    {
        private static Mock M { get { return Mock.Current; } }

        [Test]
        public void MissingConfigFile()
        {
            string path = Path.Combine(M["dir"], "finnes-ikke.toml");
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(() => FiksClient.FromFile(path).Dispose());
            Assert.Contains("finnes-ikke.toml", e.Message);
            var options = new FiksClientOptions { ConfigFile = path };
            Assert.Throws<FiksConfigurationException>(() => new FiksClient(options).Dispose());
        }

        [Test]
        public void UnknownKeyInAConfigFile()
        {
            string path = Path.Combine(M["dir"], "ukjent-nokkel.toml");
            File.WriteAllText(path, File.ReadAllText(M["config"]) + "\nisuer = \"x\"\n");
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(() => FiksClient.FromFile(path).Dispose());
            Assert.Contains("isuer", e.Message);
        }

        [Test]
        public void ConfigFileThatIsNotToml()
        {
            string path = Path.Combine(M["dir"], "ikke-toml.toml");
            File.WriteAllText(path, "dette er { ikke toml");
            Assert.Throws<FiksConfigurationException>(() => FiksClient.FromFile(path).Dispose());
        }

        [Test]
        public void UnknownOption()
        {
            var options = new FiksClientOptions();
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(() => options.Set("integrasjon_pasord", "x"));
            Assert.Contains("integrasjon_passord", e.Message, "the suggestion");
            Assert.DoesNotContain("x\"", e.Message);
        }

        [Test]
        public void CertificateThatIsNotACertificate()
        {
            FiksClientOptions options = M.Options();
            options.Certificate = M["config"];
            Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose());
            options = M.Options();
            options.Certificate = null;
            options.CertificatePkcs12 = new byte[] { 1, 2, 3, 4 };
            Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose());
        }

        [Test]
        public void NullAndNulArguments()
        {
            Assert.Throws<ArgumentNullException>(() => new FiksClient(null));
            Assert.Throws<ArgumentNullException>(() => FiksClient.FromFile(null));
            FiksClientOptions options = M.Options();
            options.Issuer = "klient\0id";
            Assert.Throws<ArgumentException>(() => new FiksClient(options).Dispose());
            using (var client = new FiksClient(M.Options()))
            {
                Assert.Throws<ArgumentNullException>(() => client.Send((string)null, "/echo"));
                Assert.Throws<ArgumentNullException>(() => client.Send("GET", null));
                Assert.Throws<ArgumentException>(() => client.Send("GET", "/echo\0x"));
                Assert.Throws<ArgumentNullException>(() => client.GetAccessToken((IEnumerable<string>)null));
                Assert.Throws<ArgumentNullException>(() => client.GetAccessToken((TokenOptions)null));
                Assert.Throws<ArgumentNullException>(() => client.GetAccessTokenAsync((TokenOptions)null));
                Assert.Throws<ArgumentException>(() => client.GetAccessToken(new TokenOptions { ConsumerOrg = "9\0" }));
                Assert.Throws<ArgumentException>(() => client.GetAccessToken(new TokenOptions { Scopes = new[] { "ks:fiks", null } }));
                Assert.Throws<ArgumentException>(() => client.GetAccessToken(new[] { "ks:fiks", null }));
                FiksException e = Assert.Throws<FiksException>(() => client.Send("GET MED MELLOMROM", "/echo"));
                Assert.Equal(FiksErrorKind.InvalidArgument, e.Kind, "Kind for an invalid method");
                Assert.Contains("method", e.Message);
                // the client is still fine afterwards
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "status");
            }
        }
    }
}
