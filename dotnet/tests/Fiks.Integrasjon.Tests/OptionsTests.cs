using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Fiks.Integrasjon.Tests
{
    public class OptionsTests
    {
        [Test(Offline = true)]
        public void ToStringNeverShowsSecrets()
        {
            var o = new FiksClientOptions
            {
                Environment = "test",
                Issuer = "klient-id",
                Certificate = "virksomhet.p12",
                CertificatePassword = "hemmelig-p12",
                IntegrasjonId = "1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01",
                IntegrasjonPassord = "hemmelig-fiks",
                PersonToken = "hemmelig-token",
                CertificatePkcs12 = new byte[] { 1, 2, 3 },
            };
            string s = o.ToString();
            Assert.DoesNotContain("hemmelig", s, "ToString");
            Assert.Contains("issuer = klient-id", s);
            Assert.Contains("certificate_password = <redacted>", s);
            Assert.Contains("integrasjon_passord = <redacted>", s);
            Assert.Contains("person_token = <redacted>", s);
            Assert.Contains("CertificatePkcs12 = <3 bytes>", s);
            Assert.Equal("FiksClientOptions {}", new FiksClientOptions().ToString());
        }

        [Test(Offline = true)]
        public void PropertiesMapToTheSnakeCaseKeys()
        {
            var o = new FiksClientOptions
            {
                Environment = "prod",
                Issuer = "i",
                Scopes = "ks:fiks",
                Certificate = "c",
                CertificatePassword = "cp",
                PrivateKey = "pk",
                KeyId = "kid",
                Audience = "a",
                TokenEndpoint = "te",
                Resource = "r",
                ConsumerOrg = "co",
                OnBehalfOf = "obo",
                Pid = "pid",
                IntegrasjonId = "id",
                IntegrasjonPassord = "pw",
                FiksBaseUrl = "fb",
                PersonToken = "pt",
                CaFile = "ca",
                Timeout = TimeSpan.FromSeconds(2.5),
                ConnectTimeout = TimeSpan.FromSeconds(3),
                RefreshAhead = TimeSpan.FromMinutes(1),
                MaxRetries = 4,
                RetryDeadline = TimeSpan.FromSeconds(90),
            };
            var expected = new Dictionary<string, string>
            {
                { "environment", "prod" }, { "issuer", "i" }, { "scopes", "ks:fiks" }, { "certificate", "c" },
                { "certificate_password", "cp" }, { "private_key", "pk" }, { "key_id", "kid" }, { "audience", "a" },
                { "token_endpoint", "te" }, { "resource", "r" }, { "consumer_org", "co" }, { "on_behalf_of", "obo" },
                { "pid", "pid" }, { "integrasjon_id", "id" }, { "integrasjon_passord", "pw" }, { "fiks_base_url", "fb" },
                { "person_token", "pt" }, { "ca_file", "ca" }, { "timeout_seconds", "2.5" }, { "connect_timeout_seconds", "3" },
                { "refresh_ahead_seconds", "60" }, { "max_retries", "4" }, { "retry_deadline_seconds", "90" },
            };
            foreach (KeyValuePair<string, string> kv in expected)
            {
                Assert.Equal(kv.Value, o.Get(kv.Key), kv.Key);
            }
            Assert.Equal(TimeSpan.FromSeconds(2.5), o.Timeout.Value, "Timeout");
            Assert.Equal(4, o.MaxRetries.Value, "MaxRetries");
            o.Issuer = null;
            Assert.Null(o.Get("issuer"), "issuer after null");
            o.Timeout = null;
            Assert.False(o.Timeout.HasValue, "Timeout after null");
        }

        [Test(Offline = true)]
        public void ScopesFromAList()
        {
            var o = new FiksClientOptions();
            o.SetScopes("ks:fiks", " digdir:dialogporten ", "");
            Assert.Equal("ks:fiks digdir:dialogporten", o.Scopes);
            Assert.Equal(2, o.GetScopes().Count, "GetScopes");
            o.SetScopes(new List<string> { "a" });
            Assert.Equal("a", o.Scopes);
            Assert.Throws<ArgumentNullException>(() => o.SetScopes((IEnumerable<string>)null));
        }

        [Test(Offline = true)]
        public void SetTakesAnyKnownKeyAndNormalisesIt()
        {
            var o = new FiksClientOptions();
            o.Set("issuer", "a").Set("Integrasjon-Id", "b").Set("timeout_seconds", "7");
            Assert.Equal("a", o.Issuer);
            Assert.Equal("b", o.IntegrasjonId);
            Assert.Equal(TimeSpan.FromSeconds(7), o.Timeout.Value, "Timeout");
            o.Set("issuer", null);
            Assert.Null(o.Issuer, "Issuer after Set(null)");
        }

        [Test(Offline = true)]
        public void SetRejectsAnUnknownKeyAtOnce()
        {
            var o = new FiksClientOptions();
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(() => o.Set("isuer", "x"));
            Assert.Equal(FiksErrorKind.Configuration, e.Kind, "Kind");
            Assert.Contains("isuer", e.Message);
            Assert.Contains("issuer", e.Message.Replace("isuer", ""), "a suggestion");
            Assert.Null(o.Get("isuer"), "stored");
            Assert.Throws<ArgumentNullException>(() => o.Set(null, "x"));
        }

        [Test(Offline = true)]
        public void CloneIsIndependent()
        {
            var o = new FiksClientOptions { Issuer = "a", UseEnvironmentVariables = true };
            FiksClientOptions c = o.Clone();
            c.Issuer = "b";
            Assert.Equal("a", o.Issuer);
            Assert.Equal("b", c.Issuer);
            Assert.True(c.UseEnvironmentVariables, "UseEnvironmentVariables copied");
        }

        [Test(Offline = true)]
        public void SignerSettersAndTheirToString()
        {
            using (RSA key = RSA.Create())
            {
                var o = new FiksClientOptions { KeyId = "gammel-kid" };
                Assert.Throws<ArgumentNullException>(() => o.SetSigner(null, "kid"), "a null key");
                Assert.Throws<ArgumentNullException>(() => o.SetSigner(key, (string)null), "a null key id");
                Assert.Throws<ArgumentNullException>(() => o.SetSigner(key, (X509Certificate2)null), "a null certificate");
                o.SetSigner(key, "min-kid");
                Assert.True(object.ReferenceEquals(key, o.Signer), "Signer");
                Assert.Equal("min-kid", o.KeyId, "KeyId");
                Assert.Null(o.ClientCertificate, "ClientCertificate");
                string shown = o.ToString();
                Assert.Contains("Signer = <signer>", shown, "ToString");
                Assert.DoesNotContain("RSA", shown, "ToString shows nothing of the key");
                Assert.True(object.ReferenceEquals(key, o.Clone().Signer), "Clone shares the key");
                o.Signer = null;
                Assert.DoesNotContain("Signer", o.ToString(), "ToString without a signer");
            }
        }

        [Test(Offline = true)]
        public void DiscoveryIsAFlagAndCloneKeepsIntegrasjonerAndServices()
        {
            var o = new FiksClientOptions { Discovery = true };
            Assert.Equal("true", o.Get("discovery"), "discovery");
            Assert.Equal(true, o.Discovery, "Discovery");
            o.Discovery = false;
            Assert.Equal("false", o.Get("discovery"), "discovery = false");
            o.Discovery = null;
            Assert.Null(o.Get("discovery"), "discovery after null");
            o.SetIntegrasjon("kommune-1", "00000000-0000-4000-8000-000000000001", "p").SetService("svarut", "https://svarut.test.ks.no");
            FiksClientOptions c = o.Clone();
            Assert.Equal("00000000-0000-4000-8000-000000000001", c.Integrasjoner["kommune-1"], "Clone: integrasjoner");
            Assert.Equal("https://svarut.test.ks.no", c.Services["svarut"], "Clone: services");
        }

        [Test(Offline = true)]
        public void NativeVersionIsKnown()
        {
            string v = FiksClient.NativeVersion;
            Assert.True(!string.IsNullOrEmpty(v), "NativeVersion is empty");
        }
    }
}
