using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>FiksClientOptions against the native key table, secrets, and loading from TOML text and the environment.</summary>
    public class ConfigKeyTests
    {
        private static Mock M { get { return Mock.Current; } }

        /// <summary>Properties that are not configuration keys (each says what it is instead).</summary>
        private static readonly HashSet<string> NotKeys = new HashSet<string>
        {
            "ClientCertificate", "ClientCertificateChain", "Signer", "CertificatePkcs12", "ConfigFile", "TomlText", "UseEnvironmentVariables",
        };

        /// <summary>The key each settable property writes, found by setting it (no list of names kept here).</summary>
        private static Dictionary<string, PropertyInfo> KeyProperties()
        {
            var found = new Dictionary<string, PropertyInfo>();
            foreach (PropertyInfo p in typeof(FiksClientOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (!p.CanWrite || NotKeys.Contains(p.Name))
                {
                    continue;
                }
                var o = new FiksClientOptions();
                object sample = p.PropertyType == typeof(string) ? "x"
                    : p.PropertyType == typeof(TimeSpan?) ? (object)TimeSpan.FromSeconds(3)
                    : p.PropertyType == typeof(int?) ? (object)3
                    : p.PropertyType == typeof(bool?) ? (object)true
                    : null;
                Assert.NotNull(sample, "property " + p.Name + " has a type the key mapping does not know: " + p.PropertyType);
                p.SetValue(o, sample, null);
                List<KeyValuePair<string, string>> written = o.Values.ToList();
                Assert.Equal(1, written.Count, "keys written by " + p.Name);
                Assert.False(found.ContainsKey(written[0].Key), "two properties write " + written[0].Key);
                found[written[0].Key] = p;
            }
            return found;
        }

        [Test(Offline = true)]
        public void EveryKeyOfTheNativeTableHasAProperty()
        {
            IReadOnlyList<ConfigKey> table = ConfigKeys.All;
            Assert.True(table.Count > 0, "the native key table is empty");
            Assert.Equal((int)NativeMethods.fiks_config_key_count().ToUInt64(), table.Count, "fiks_config_key_count");
            Dictionary<string, PropertyInfo> properties = KeyProperties();
            foreach (ConfigKey key in table)
            {
                PropertyInfo p;
                Assert.True(properties.TryGetValue(key.Name, out p), "the native key `" + key.Name + "` has no FiksClientOptions property");
                Type expected = key.Kind == "seconds" ? typeof(TimeSpan?) : key.Kind == "count" ? typeof(int?)
                    : key.Kind == "flag" ? typeof(bool?) : typeof(string);
                Assert.Equal(expected, p.PropertyType, "type of " + p.Name + " for kind " + key.Kind);
            }
            foreach (string name in properties.Keys)
            {
                Assert.True(table.Any(k => k.Name == name), "FiksClientOptions writes `" + name + "`, which the native library does not know");
            }
        }

        [Test(Offline = true)]
        public void ToStringRedactsWhatTheNativeTableCallsSecret()
        {
            var o = new FiksClientOptions();
            foreach (ConfigKey key in ConfigKeys.All)
            {
                o.Set(key.Name, "verdi-av-" + key.Name);
            }
            string shown = o.ToString();
            foreach (ConfigKey key in ConfigKeys.All)
            {
                if (key.IsSecret)
                {
                    Assert.DoesNotContain("verdi-av-" + key.Name, shown, "secret key " + key.Name);
                    Assert.Contains(key.Name + " = <redacted>", shown);
                }
                else
                {
                    Assert.Contains(key.Name + " = verdi-av-" + key.Name, shown);
                }
            }
            Assert.True(ConfigKeys.All.Any(k => k.IsSecret && k.Name == "private_key"), "private_key is a secret in the native table");
        }

        private static IEnumerable<string> KeyLines(string pem)
        {
            return pem.Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal));
        }

        private static void AssertNoKeyText(string pem, string text, string what)
        {
            Assert.DoesNotContain("PRIVATE KEY", text, what);
            foreach (string line in KeyLines(pem))
            {
                Assert.DoesNotContain(line, text, what);
            }
        }

        [Test]
        public void PemTextForTheCertificateAndKeyIsUsedAndNeverShown()
        {
            string key = File.ReadAllText(M["key_pem"]);
            FiksClientOptions options = M.Options();
            options.Certificate = File.ReadAllText(M["chain_pem"]);
            options.CertificatePassword = null;
            options.PrivateKey = key;
            AssertNoKeyText(key, options.ToString(), "ToString");
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "token with the PEM texts");
            }

            // A damaged key: the error says so without quoting it.
            string[] lines = key.Split('\n');
            lines[3] = new string('A', lines[3].Length);
            string damaged = string.Join("\n", lines);
            options.PrivateKey = damaged;
            FiksCertificateException e = Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose(), "damaged key");
            AssertNoKeyText(damaged, e.Message, "the exception message");
            AssertNoKeyText(damaged, e.ToString(), "the exception");

            // The encrypted key as text with a wrong password.
            string encrypted = File.ReadAllText(M["key_encrypted_pem"]);
            options.PrivateKey = encrypted;
            options.CertificatePassword = "feil-passord";
            FiksCertificateException wrong = Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose(), "wrong password");
            AssertNoKeyText(encrypted, wrong.Message, "the exception message (encrypted key)");
            Assert.DoesNotContain("feil-passord", wrong.Message, "the password");
        }

        [Test]
        public void OptionsFromTomlText()
        {
            string toml = File.ReadAllText(M["config"]);
            FiksClientOptions options = FiksClientOptions.FromToml(toml);
            Assert.Equal("FiksClientOptions { TomlText = <redacted> }", options.ToString());
            Assert.Equal(toml, options.Clone().TomlText, "Clone");
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "token from TOML text");
            }
            // Values set in code win over the TOML text.
            options.Audience = M.BaseUrl + "/not-maskinporten/";
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                Assert.Throws<FiksTokenException>(() => client.GetAccessToken(), "the explicit audience");
            }
            Assert.Throws<ArgumentNullException>(() => FiksClientOptions.FromToml(null));
        }

        [Test(Offline = true)]
        public void BadTomlTextIsRefusedWithoutQuotingIt()
        {
            var broken = FiksClientOptions.FromToml("integrasjon_passord = \"hemmelig-123\"\nissuer = ");
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(() => new FiksClient(broken).Dispose(), "not TOML");
            Assert.DoesNotContain("hemmelig-123", e.Message, "the message");

            var unknown = FiksClientOptions.FromToml("timeout = 5\n");
            e = Assert.Throws<FiksConfigurationException>(() => new FiksClient(unknown).Dispose(), "an unknown key");
            Assert.Contains("timeout_seconds", e.Message, "the suggestion");
        }

        [Test]
        public void FromEnvironmentReadsTheFileFiksConfigNames()
        {
            // .NET (Core) keeps Environment.SetEnvironmentVariable to itself on Unix; Mono sets the process
            // environment, which the native library reads.
            if (Type.GetType("Mono.Runtime") == null)
            {
                return;
            }
            try
            {
                Environment.SetEnvironmentVariable("FIKS_CONFIG", M["config"]);
                using (FiksClient client = FiksClient.FromEnvironment())
                {
                    Assert.True(client.GetAccessToken().Length > 0, "token from FromEnvironment with FIKS_CONFIG");
                }
                using (var client = new FiksClient(new FiksClientOptions { UseEnvironmentVariables = true }))
                {
                    Assert.True(client.GetAccessToken().Length > 0, "token with UseEnvironmentVariables and FIKS_CONFIG");
                }
                // FIKS_<KEY> wins over the file FIKS_CONFIG names.
                Environment.SetEnvironmentVariable("FIKS_AUDIENCE", M.BaseUrl + "/not-maskinporten/");
                Environment.SetEnvironmentVariable("FIKS_MAX_RETRIES", "0");
                using (FiksClient client = FiksClient.FromEnvironment())
                {
                    Assert.Throws<FiksTokenException>(() => client.GetAccessToken(), "FIKS_AUDIENCE over the file");
                }
                Environment.SetEnvironmentVariable("FIKS_CONFIG", Path.Combine(M["dir"], "finnes-ikke.toml"));
                Assert.Throws<FiksConfigurationException>(() => FiksClient.FromEnvironment().Dispose(), "FIKS_CONFIG naming a missing file");
            }
            finally
            {
                Environment.SetEnvironmentVariable("FIKS_CONFIG", null);
                Environment.SetEnvironmentVariable("FIKS_AUDIENCE", null);
                Environment.SetEnvironmentVariable("FIKS_MAX_RETRIES", null);
            }
        }
    }
}
