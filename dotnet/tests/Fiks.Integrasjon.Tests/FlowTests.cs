using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using Fiks.Integrasjon.Testing;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>The whole flow against the mock: token, headers, requests, every way of giving the certificate.</summary>
    public class FlowTests
    {
        private static Mock M { get { return Mock.Current; } }

        internal static void CheckHeaders(IReadOnlyDictionary<string, string> headers, string token)
        {
            Assert.Equal(3, headers.Count, "header count");
            Assert.Equal("Bearer " + token, headers["Authorization"], "Authorization");
            Assert.Equal("Bearer " + token, headers["authorization"], "case-insensitive lookup");
            Assert.Equal(M["integrasjon_id"], headers["IntegrasjonId"], "IntegrasjonId");
            Assert.Equal(M["integrasjon_passord"], headers["IntegrasjonPassord"], "IntegrasjonPassord");
        }

        [Test]
        public async Task FullFlowFromTheMocksConfigFile()
        {
            using (FiksClient client = FiksClient.FromFile(M["config"]))
            {
                string token = client.GetAccessToken();
                Assert.True(token.Length > 10, "token is too short");
                Assert.Equal(token, client.GetAccessToken(), "second token (cached)");
                CheckHeaders(client.GetHeaders(), token);

                FiksResponse r = client.Send("POST", "/innsyn-sok/api/v1/sok", "{\"sok\":\"byggesak\"}");
                Assert.Equal(200, r.StatusCode, "status");
                Assert.True(r.IsSuccessStatusCode, "IsSuccessStatusCode");
                Assert.True(r.Body.Length > 0, "empty body");
                MiniJson.Parse(r.BodyText);
                Assert.Contains("json", r.ContentType ?? "", "Content-Type");
                Assert.DoesNotContain(token, r.ToString(), "FiksResponse.ToString");

                Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
                Assert.Equal("FiksClient", client.ToString());
            }
        }

        [Test]
        public async Task FullFlowFromOptions()
        {
            using (var client = new FiksClient(M.Options()))
            {
                string token = await client.GetAccessTokenAsync();
                CheckHeaders(await client.GetHeadersAsync(), token);
                FiksResponse r = await client.SendAsync("POST", "/innsyn-sok/api/v1/sok", "{\"sok\":\"byggesak\"}");
                Assert.Equal(200, r.StatusCode, "status");
            }
        }

        [Test]
        public void ConfigFileUnderExplicitOptions()
        {
            var options = new FiksClientOptions { ConfigFile = M["config"], Scopes = "ks:fiks" };
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "token");
            }
        }

        [Test]
        public void EnvironmentVariablesUnderExplicitOptions()
        {
            // .NET (Core) keeps Environment.SetEnvironmentVariable to itself on Unix; Mono sets the
            // process environment, which the native library reads.
            if (Type.GetType("Mono.Runtime") == null)
            {
                return;
            }
            var names = new[] { "FIKS_ISSUER", "FIKS_AUDIENCE", "FIKS_TOKEN_ENDPOINT", "FIKS_FIKS_BASE_URL", "FIKS_CERTIFICATE",
                "FIKS_CERTIFICATE_PASSWORD", "FIKS_INTEGRASJON_ID", "FIKS_INTEGRASJON_PASSORD" };
            var keys = new[] { "issuer", "audience", "token_endpoint", "fiks_base_url", "p12", "password", "integrasjon_id", "integrasjon_passord" };
            try
            {
                for (int i = 0; i < names.Length; i++)
                {
                    Environment.SetEnvironmentVariable(names[i], M[keys[i]]);
                }
                using (FiksClient client = FiksClient.FromEnvironment())
                {
                    Assert.True(client.GetAccessToken().Length > 0, "token from FromEnvironment");
                }
                Assert.Throws<FiksConfigurationException>(() => new FiksClient(new FiksClientOptions()).Dispose(), "without UseEnvironmentVariables");
                using (var client = new FiksClient(new FiksClientOptions { UseEnvironmentVariables = true }))
                {
                    Assert.True(client.GetAccessToken().Length > 0, "token with UseEnvironmentVariables");
                }
                // explicit values win over the environment
                var options = new FiksClientOptions { UseEnvironmentVariables = true, Audience = M.BaseUrl + "/not-maskinporten/", MaxRetries = 0 };
                using (var client = new FiksClient(options))
                {
                    Assert.Throws<FiksTokenException>(() => client.GetAccessToken(), "explicit audience");
                }
            }
            finally
            {
                foreach (string name in names)
                {
                    Environment.SetEnvironmentVariable(name, null);
                }
            }
        }

        [Test]
        public void X509Certificate2WithExportableKey()
        {
            // Mono reads the legacy (3DES/RC2) PKCS#12 encoding; .NET reads both.
            var cert = new X509Certificate2(M["p12_legacy"], M["password"], X509KeyStorageFlags.Exportable);
            Assert.True(cert.HasPrivateKey, "the test certificate has no key");
            FiksClientOptions options = M.Options();
            options.Certificate = null;
            options.CertificatePassword = null;
            options.SetCertificate(cert);
            Assert.DoesNotContain(M["password"], options.ToString(), "options");
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "token");
            }
        }

        [Test]
        public void X509Certificate2WithIntermediates()
        {
            var all = new X509Certificate2Collection();
            all.Import(File.ReadAllBytes(M["p12_legacy"]), M["password"], X509KeyStorageFlags.Exportable);
            X509Certificate2 leaf = null;
            var intermediates = new X509Certificate2Collection();
            foreach (X509Certificate2 c in all)
            {
                if (c.HasPrivateKey)
                {
                    leaf = c;
                }
                else
                {
                    intermediates.Add(c);
                }
            }
            Assert.NotNull(leaf, "leaf");
            FiksClientOptions options = M.Options();
            options.Certificate = null;
            options.CertificatePassword = null;
            options.SetCertificate(leaf, intermediates);
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "token");
            }
        }

        [Test]
        public void Pkcs12BytesInMemory()
        {
            FiksClientOptions options = M.Options();
            options.Certificate = null;
            options.CertificatePkcs12 = File.ReadAllBytes(M["p12"]);
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "token");
            }
        }

        [Test]
        public void LegacyPkcs12File()
        {
            FiksClientOptions options = M.Options();
            options.Certificate = M["p12_legacy"];
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "token");
            }
        }

        [Test]
        public void PemChainAndKey()
        {
            foreach (string key in new[] { "key_pem", "key_pkcs1_pem", "key_encrypted_pem" })
            {
                FiksClientOptions options = M.Options();
                options.Certificate = M["chain_pem"];
                options.PrivateKey = M[key];
                options.CertificatePassword = key == "key_encrypted_pem" ? M["password"] : null;
                using (var client = new FiksClient(options))
                {
                    Assert.True(client.GetAccessToken().Length > 0, "token with " + key);
                }
            }
        }

        [Test]
        public void PersonTokenMode()
        {
            var options = new FiksClientOptions
            {
                FiksBaseUrl = M["fiks_base_url"],
                PersonToken = M["person_token"],
                IntegrasjonId = M["integrasjon_id"],
                IntegrasjonPassord = M["integrasjon_passord"],
            };
            Assert.DoesNotContain(M["person_token"], options.ToString(), "options");
            using (var client = new FiksClient(options))
            {
                IReadOnlyDictionary<string, string> headers = client.GetHeaders();
                Assert.Equal("Bearer " + M["person_token"], headers["Authorization"], "Authorization");
                Assert.Equal(0, M.CounterAsync("token_requests").Result, "token requests");
            }
        }

        [Test]
        public void HeadersBehaveAsAReadOnlyDictionary()
        {
            using (var client = new FiksClient(M.Options()))
            {
                string token = client.GetAccessToken();
                IReadOnlyDictionary<string, string> headers = client.GetHeaders();
                var names = new List<string>();
                foreach (KeyValuePair<string, string> kv in headers)
                {
                    names.Add(kv.Key);
                    Assert.Equal(headers[kv.Key], kv.Value, "enumerated value of " + kv.Key);
                }
                Assert.Equal("Authorization,IntegrasjonId,IntegrasjonPassord", string.Join(",", names), "names in order");
                Assert.Equal(string.Join(",", names), string.Join(",", headers.Keys), "Keys");
                Assert.Equal("Bearer " + token + "," + M["integrasjon_id"] + "," + M["integrasjon_passord"],
                    string.Join(",", headers.Values), "Values");
                Assert.True(headers.ContainsKey("INTEGRASJONID"), "ContainsKey ignores case");
                Assert.False(headers.ContainsKey("IntegrasjonIdX"), "ContainsKey of another name");
                string value;
                Assert.True(headers.TryGetValue("integrasjonpassord", out value), "TryGetValue ignores case");
                Assert.Equal(M["integrasjon_passord"], value, "TryGetValue value");
                Assert.False(headers.TryGetValue("Cookie", out value), "TryGetValue of a missing name");
                Assert.Null(value, "value of a missing name");
                Assert.Throws<KeyNotFoundException>(() => { string unused = headers["Cookie"]; }, "indexer of a missing name");
                Assert.Throws<ArgumentNullException>(() => headers.ContainsKey(null), "null name");
                Assert.DoesNotContain(M["integrasjon_passord"], headers.ToString(), "ToString");
                Assert.False(headers is IDictionary<string, string>, "not a mutable dictionary");
            }
        }

        [Test]
        public void TokenForOtherScopes()
        {
            using (var client = new FiksClient(M.Options()))
            {
                string a = client.GetAccessToken();
                string b = client.GetAccessToken(new[] { "ks:fiks", "ks:fiks:test" });
                Assert.True(b.Length > 0, "token");
                Assert.False(a == b, "the scoped token is the default one");
                Assert.Equal(b, client.GetAccessTokenAsync(new List<string> { "ks:fiks", "ks:fiks:test" }).Result, "cached scoped token");
                Assert.Throws<ArgumentException>(() => client.GetAccessToken(new string[0]));
            }
        }

        [Test]
        public void EchoShowsExtraHeadersAndBody()
        {
            using (var client = new FiksClient(M.Options()))
            {
                byte[] body = Encoding.UTF8.GetBytes("{\"hei\":\"på deg\"}");
                FiksResponse r = client.Send("PUT", "/echo", body, new[]
                {
                    new KeyValuePair<string, string>("X-Fiks-Test", "verdi-1"),
                    new KeyValuePair<string, string>("Accept", "application/json"),
                });
                Assert.Equal(200, r.StatusCode, "status");
                object echo = MiniJson.Parse(r.BodyText);
                Assert.Equal("PUT", MiniJson.Find(echo, "method") as string, "method");
                Assert.Equal("verdi-1", MiniJson.Find(echo, "x-fiks-test") as string, "X-Fiks-Test");
                Assert.Equal(M["integrasjon_id"], MiniJson.Find(echo, "integrasjonid") as string, "IntegrasjonId");
                object echoed = MiniJson.Find(echo, "body");
                if (echoed is string)
                {
                    echoed = MiniJson.Parse((string)echoed);
                }
                if (echoed != null)
                {
                    Assert.Equal("på deg", MiniJson.Find(echoed, "hei") as string, "the echoed body");
                }
            }
        }

        [Test]
        public void RetriesA503OnAGet()
        {
            M.FaultsAsync("fiks", 1, "503").Wait();
            using (var client = new FiksClient(M.Options()))
            {
                FiksResponse r = client.Send("GET", "/echo");
                Assert.Equal(200, r.StatusCode, "status after a retried 503");
                Assert.Equal(2, M.CounterAsync("fiks_requests").Result, "fiks requests");
            }
        }
    }
}
