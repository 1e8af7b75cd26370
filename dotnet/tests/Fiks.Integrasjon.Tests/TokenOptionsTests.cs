using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>
    /// Per-request token options (<see cref="TokenOptions"/>), <see cref="AuthorizationDetails"/> from the native
    /// library, and the native library's clock-skew correction, against the mock.
    /// </summary>
    public class TokenOptionsTests
    {
        private static Mock M { get { return Mock.Current; } }

        private const string Oslo = "974760673";
        private const string Bergen = "964338531";

        /// <summary>The native library's token options, read through <c>fiks_token_option_name</c> until NULL.</summary>
        private static List<string> NativeOptionNames()
        {
            NativeLibraryLoader.EnsureLoaded();
            var names = new List<string>();
            for (uint i = 0; i < 1000; i++)
            {
                string name = Utf8.FromNative(NativeMethods.fiks_token_option_name(new UIntPtr(i)));
                if (name == null)
                {
                    return names;
                }
                names.Add(name);
            }
            throw new AssertionException("fiks_token_option_name never returned NULL");
        }

        [Test(Offline = true)]
        public void EveryOptionNameIsTheNativeLibrarysAndEachHasAProperty()
        {
            List<string> native = NativeOptionNames();
            Assert.True(native.Count > 0, "the native library has no token options");
            // The option each property writes, found by setting it alone (no list of names kept here).
            var written = new Dictionary<string, string>();
            foreach (PropertyInfo p in typeof(TokenOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var o = new TokenOptions();
                object sample = p.PropertyType == typeof(string) ? "x"
                    : p.PropertyType == typeof(IEnumerable<string>) ? (object)new[] { "x" }
                    : null;
                Assert.NotNull(sample, "property " + p.Name + " has a type this test does not know: " + p.PropertyType);
                p.SetValue(o, sample, null);
                List<KeyValuePair<string, string>> entries = o.Entries();
                Assert.Equal(1, entries.Count, "options written by " + p.Name);
                Assert.True(native.Contains(entries[0].Key),
                    "TokenOptions." + p.Name + " writes `" + entries[0].Key + "`, which fiks_token_option_name does not list ("
                    + string.Join(", ", native) + ")");
                Assert.False(written.ContainsKey(entries[0].Key), "two properties write " + entries[0].Key);
                written[entries[0].Key] = p.Name;
            }
            foreach (string name in native)
            {
                Assert.True(written.ContainsKey(name), "the native token option `" + name + "` has no TokenOptions property");
            }
            Assert.Equal(0, new TokenOptions().Entries().Count, "nothing set, nothing written");
        }

        [Test]
        public async Task TwoConsumerOrgsGetTwoTokensAndAskingAgainIsCached()
        {
            using (var client = new FiksClient(M.Options()))
            {
                string oslo = client.GetAccessToken(new TokenOptions { ConsumerOrg = Oslo });
                Assert.Equal(Oslo, (string)(await M.LastGrantAsync("last_grant_claims"))["consumer_org"], "the grant's consumer_org");
                string bergen = client.GetAccessToken(new TokenOptions { ConsumerOrg = Bergen });
                Assert.Equal(Bergen, (string)(await M.LastGrantAsync("last_grant_claims"))["consumer_org"], "the second grant's consumer_org");
                Assert.True(oslo != bergen, "two tokens");
                Assert.Equal(2, await M.CounterAsync("token_requests"), "token requests");

                Assert.Equal(oslo, client.GetAccessToken(new TokenOptions { ConsumerOrg = Oslo }), "Oslo again");
                Assert.Equal(bergen, await client.GetAccessTokenAsync(new TokenOptions { ConsumerOrg = Bergen }), "Bergen again, async");
                Assert.Equal(2, await M.CounterAsync("token_requests"), "token requests after asking again");

                // The client's own token is another one again.
                string own = client.GetAccessToken();
                Assert.True(own != oslo && own != bergen, "the configured token is its own");
                Assert.False((await M.LastGrantAsync("last_grant_claims")).ContainsKey("consumer_org"), "no consumer_org in the default grant");
                Assert.Equal(3, await M.CounterAsync("token_requests"), "token requests with the default one");
            }
        }

        [Test]
        public async Task AuthorizationDetailsReachTheGrant()
        {
            string systembruker = AuthorizationDetails.Systembruker(M["orgnr"], "fagsystem-1");
            Assert.Contains(M["orgnr"], systembruker, "the JSON names the organisation");
            using (var client = new FiksClient(M.Options()))
            {
                Assert.True(client.GetAccessToken(new TokenOptions { AuthorizationDetails = systembruker }).Length > 0, "a systembruker token");
                string claims = Describe((await M.LastGrantAsync("last_grant_claims"))["authorization_details"]);
                Assert.Contains("urn:altinn:systemuser", claims, "the grant's authorization_details");
                Assert.Contains("0192:" + M["orgnr"], claims, "the organisation");
                Assert.Contains("fagsystem-1", claims, "the externalRef");

                string consent = Guid.NewGuid().ToString();
                string samtykke = AuthorizationDetails.Samtykke(consent, "12345678901");
                Assert.True((await client.GetAccessTokenAsync(new TokenOptions { AuthorizationDetails = samtykke })).Length > 0,
                    "a samtykke token, async");
                claims = Describe((await M.LastGrantAsync("last_grant_claims"))["authorization_details"]);
                Assert.Contains("urn:altinn:consent", claims, "the grant's authorization_details");
                Assert.Contains(consent, claims, "the consent id");
                Assert.Equal(2, await M.CounterAsync("tokens_issued"), "tokens issued");
            }

            // As a configuration key: every grant of the client's own token carries it.
            FiksClientOptions options = M.Options();
            options.AuthorizationDetails = systembruker;
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "a token");
                Assert.Contains("urn:altinn:systemuser", Describe((await M.LastGrantAsync("last_grant_claims"))["authorization_details"]),
                    "the configured authorization_details");
            }
        }

        [Test]
        public async Task BadValuesAreConfigurationErrorsBeforeAnyRequest()
        {
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(() => AuthorizationDetails.Systembruker("123"), "a short orgnr");
            Assert.Equal("authorization_details", e.ConfigKey, "ConfigKey");
            Assert.Contains("123", e.Message, "the message names the value");
            e = Assert.Throws<FiksConfigurationException>(() => AuthorizationDetails.Samtykke("ikke-en-uuid", "12345678901"), "a bad consent id");
            Assert.Equal("authorization_details", e.ConfigKey, "ConfigKey");
            Assert.Throws<FiksConfigurationException>(() => AuthorizationDetails.Samtykke(Guid.NewGuid().ToString(), "abc"), "a bad from");
            Assert.Throws<ArgumentNullException>(() => AuthorizationDetails.Systembruker(null), "a null orgnr");
            Assert.Throws<ArgumentNullException>(() => AuthorizationDetails.Samtykke(Guid.NewGuid().ToString(), null), "a null from");

            using (var client = new FiksClient(M.Options()))
            {
                e = Assert.Throws<FiksConfigurationException>(() => client.GetAccessToken(new TokenOptions { ConsumerOrg = "12345" }), "a short consumer_org");
                Assert.Equal("consumer_org", e.ConfigKey, "ConfigKey");
                e = Assert.Throws<FiksConfigurationException>(() => client.GetAccessToken(new TokenOptions { Pid = "1234" }), "a short pid");
                Assert.Equal("pid", e.ConfigKey, "ConfigKey");
                e = Assert.Throws<FiksConfigurationException>(
                    () => client.GetAccessToken(new TokenOptions { AuthorizationDetails = "{ikke json" }), "authorization_details that is not JSON");
                Assert.Equal("authorization_details", e.ConfigKey, "ConfigKey");
                Task<string> failed = client.GetAccessTokenAsync(new TokenOptions { ConsumerOrg = "abc" });
                e = await Assert.ThrowsAsync<FiksConfigurationException>(() => failed, "async: the task is faulted");
                Assert.Equal("consumer_org", e.ConfigKey, "ConfigKey (async)");
                Assert.True(failed.IsFaulted, "faulted, not thrown");
            }
            Assert.Equal(0, await M.CounterAsync("token_requests"), "token requests");
        }

        [Test]
        public async Task AsyncTokenOptionsShareTheCacheAndCancel()
        {
            using (var client = new FiksClient(M.Options()))
            {
                string first = await client.GetAccessTokenAsync(new TokenOptions { ConsumerOrg = Oslo, Scopes = new[] { "ks:fiks" } });
                Assert.Equal(first, client.GetAccessToken(new TokenOptions { ConsumerOrg = Oslo, Scopes = new List<string> { "ks:fiks" } }),
                    "sync after async: the same cached token");
                Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
                using (var cts = new CancellationTokenSource())
                {
                    cts.Cancel();
                    await AsyncTests.Cancelled(client.GetAccessTokenAsync(new TokenOptions { ConsumerOrg = Bergen }, cts.Token), cts.Token,
                        "cancelled before the start");
                }
                Assert.Equal(1, await M.CounterAsync("token_requests"), "nothing sent for the cancelled call");
            }

            // Cancelled while Maskinporten holds the token.
            await M.TokenDelayAsync(AsyncTests.PendingDelayMs);
            using (var client = new FiksClient(M.Options()))
            using (var cts = new CancellationTokenSource())
            {
                Task<string> pending = client.GetAccessTokenAsync(new TokenOptions { ConsumerOrg = Bergen }, cts.Token);
                await AsyncTests.WaitForTokenRequestsAsync(2);
                Assert.False(pending.IsCompleted, "pending while the mock holds the token");
                cts.Cancel();
                await AsyncTests.Cancelled(pending, cts.Token, "cancelled while pending");
            }

            var disposed = new FiksClient(M.Options());
            disposed.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => disposed.GetAccessTokenAsync(new TokenOptions()), "async after Dispose");
            Assert.Throws<ObjectDisposedException>(() => disposed.GetAccessToken(new TokenOptions()), "sync after Dispose");
        }

        [Test]
        public async Task AMaskinportenClockAheadIsCorrected()
        {
            // Maskinporten's clock 200 s ahead: the first grant is refused as too old, the native library takes the
            // offset from the answer's Date header and sends one more, which is accepted.
            await M.ClockAsync(200);
            try
            {
                using (var client = new FiksClient(M.Options()))
                {
                    Assert.True(client.GetAccessToken().Length > 0, "a token despite the skew");
                }
                Assert.Equal(2, await M.CounterAsync("token_requests"), "token requests: the refused one and the corrected one");
                Assert.Equal(1, await M.CounterAsync("tokens_issued"), "tokens issued");
            }
            finally
            {
                await M.ClockAsync(0);
            }
        }

        /// <summary>A parsed JSON value as text, for Contains checks.</summary>
        private static string Describe(object value)
        {
            var o = value as Dictionary<string, object>;
            if (o != null)
            {
                return "{" + string.Join(",", o.Select(kv => kv.Key + ":" + Describe(kv.Value))) + "}";
            }
            var a = value as List<object>;
            if (a != null)
            {
                return "[" + string.Join(",", a.Select(Describe)) + "]";
            }
            return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
