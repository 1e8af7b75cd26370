using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Fiks.Integrasjon.Testing;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>The running fiks-integrasjon-mock: the values of its JSON line and its control endpoints.</summary>
    internal sealed class Mock
    {
        private static readonly HttpClient Control = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        private readonly Dictionary<string, object> _values;

        internal static Mock Current;

        private Mock(Dictionary<string, object> values)
        {
            _values = values;
        }

        /// <summary>Reads the JSON line from a file (or takes it literally when it starts with '{').</summary>
        internal static Mock Load(string fileOrJson)
        {
            string text = fileOrJson.TrimStart().StartsWith("{", StringComparison.Ordinal)
                ? fileOrJson
                : File.ReadAllLines(fileOrJson).First(l => l.TrimStart().StartsWith("{", StringComparison.Ordinal));
            return new Mock(MiniJson.Object(text));
        }

        internal string this[string key]
        {
            get
            {
                object v;
                if (!_values.TryGetValue(key, out v) || v == null)
                {
                    throw new KeyNotFoundException("the mock's JSON line has no '" + key + "'");
                }
                return Convert.ToString(v, CultureInfo.InvariantCulture);
            }
        }

        internal string BaseUrl { get { return this["base_url"].TrimEnd('/'); } }
        internal string FiksBaseUrl { get { return this["fiks_base_url"].TrimEnd('/'); } }

        /// <summary>Options for the mock with the PKCS#12 file, all values explicit (no preset, no environment).</summary>
        internal FiksClientOptions Options()
        {
            return new FiksClientOptions
            {
                Issuer = this["issuer"],
                Audience = this["audience"],
                TokenEndpoint = this["token_endpoint"],
                FiksBaseUrl = this["fiks_base_url"],
                Certificate = this["p12"],
                CertificatePassword = this["password"],
                IntegrasjonId = this["integrasjon_id"],
                IntegrasjonPassord = this["integrasjon_passord"],
            };
        }

        internal Task ResetAsync()
        {
            return PostAsync("/_mock/reset", "{}");
        }

        /// <summary>Injects faults, e.g. FaultsAsync("fiks", 1, "503").</summary>
        internal Task FaultsAsync(string target, int times, params string[] faults)
        {
            string json = "{\"target\":" + MiniJson.Quote(target) + ",\"faults\":["
                + string.Join(",", faults.Select(MiniJson.Quote)) + "],\"times\":" + times.ToString(CultureInfo.InvariantCulture) + "}";
            return PostAsync("/_mock/faults", json);
        }

        /// <summary>Forgets every token the mock issued: the next Fiks call with one gets 401.</summary>
        internal Task RevokeTokensAsync()
        {
            return PostAsync("/_mock/revoke-tokens", "{}");
        }

        internal Task TokenDelayAsync(int milliseconds)
        {
            return PostAsync("/_mock/token-delay", "{\"ms\":" + milliseconds.ToString(CultureInfo.InvariantCulture) + "}");
        }

        internal Task TokenLifetimeAsync(int seconds)
        {
            return PostAsync("/_mock/token-lifetime", "{\"secs\":" + seconds.ToString(CultureInfo.InvariantCulture) + "}");
        }

        /// <summary>Moves the mock's clock (its grant checks and its <c>Date</c> headers) by <paramref name="offsetSeconds"/>; a reset puts it back.</summary>
        internal Task ClockAsync(int offsetSeconds)
        {
            return PostAsync("/_mock/clock", "{\"offset_seconds\":" + offsetSeconds.ToString(CultureInfo.InvariantCulture) + "}");
        }

        /// <summary>The JOSE header (<c>last_grant_header</c>) or the claims (<c>last_grant_claims</c>) of the last grant the mock decoded.</summary>
        internal async Task<Dictionary<string, object>> LastGrantAsync(string part)
        {
            Dictionary<string, object> counters = await CountersAsync().ConfigureAwait(false);
            object v;
            var found = counters.TryGetValue(part, out v) ? v as Dictionary<string, object> : null;
            if (found == null)
            {
                throw new KeyNotFoundException("the mock's counters have no '" + part + "' object (no grant decoded yet?)");
            }
            return found;
        }

        internal async Task<Dictionary<string, object>> CountersAsync()
        {
            using (HttpResponseMessage r = await Control.GetAsync(BaseUrl + "/_mock/counters").ConfigureAwait(false))
            {
                string body = await r.Content.ReadAsStringAsync().ConfigureAwait(false);
                if (!r.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException("GET /_mock/counters answered " + (int)r.StatusCode + ": " + body);
                }
                return MiniJson.Object(body);
            }
        }

        internal async Task<int> CounterAsync(string name)
        {
            Dictionary<string, object> counters = await CountersAsync().ConfigureAwait(false);
            object v = MiniJson.Find(counters, name);
            if (v == null)
            {
                throw new KeyNotFoundException("the mock's counters have no '" + name + "'");
            }
            return Convert.ToInt32(v, CultureInfo.InvariantCulture);
        }

        private async Task PostAsync(string path, string json)
        {
            using (var content = new StringContent(json, Encoding.UTF8, "application/json"))
            using (HttpResponseMessage r = await Control.PostAsync(BaseUrl + path, content).ConfigureAwait(false))
            {
                if (!r.IsSuccessStatusCode)
                {
                    string body = await r.Content.ReadAsStringAsync().ConfigureAwait(false);
                    throw new InvalidOperationException("POST " + path + " answered " + (int)r.StatusCode + ": " + body);
                }
            }
        }
    }
}
