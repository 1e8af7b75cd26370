using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// The settings of a <see cref="FiksClient"/>: one property per configuration key of the library
    /// (the same keys as the TOML file, the <c>FIKS_&lt;KEY&gt;</c> environment variables and the C API),
    /// plus <see cref="Set"/> for any key by name. A property left null is not set.
    /// <see cref="ToString"/> never shows the value of a key the native library marks as secret
    /// (<c>certificate</c>, <c>private_key</c>, the passwords, <c>person_token</c>: the core's key table decides,
    /// not this class), nor <see cref="TomlText"/>, nor anything of a <see cref="Signer"/> key (shown as <c>&lt;signer&gt;</c>).
    /// </summary>
    /// <remarks>
    /// <para>Values given here win over <c>FIKS_&lt;KEY&gt;</c> environment variables (read only when
    /// <see cref="UseEnvironmentVariables"/> is true), which win over the TOML layer (<see cref="ConfigFile"/>,
    /// <see cref="TomlText"/>, or the file <c>FIKS_CONFIG</c> names), which wins over the
    /// <see cref="Environment"/> preset. The client copies the options when it is created.</para>
    /// <para>The key names, their kinds and which are secrets come from the native library's key table;
    /// a test fails when it gains a key that has no property here.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// var options = new FiksClientOptions {
    ///     Environment = "test",
    ///     Issuer = "my-maskinporten-client-id",
    ///     Certificate = "virksomhet.p12",
    ///     CertificatePassword = secrets["p12"],
    ///     IntegrasjonId = "1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01",
    ///     IntegrasjonPassord = secrets["fiks"],
    /// };
    /// options.SetScopes("ks:fiks");
    /// </code>
    /// </example>
    public sealed class FiksClientOptions
    {
        // Canonical snake_case key -> value, in the order first set (so ToString is stable).
        private readonly List<KeyValuePair<string, string>> _values = new List<KeyValuePair<string, string>>();
        private readonly Dictionary<string, KeyValuePair<string, string>> _integrasjoner = new Dictionary<string, KeyValuePair<string, string>>();
        private readonly Dictionary<string, string> _services = new Dictionary<string, string>();

        /// <summary>
        /// Names an integrasjon besides the default one (as <c>[integrasjoner.NAME]</c> in the TOML file; this wins
        /// for the same name), for <see cref="FiksClient.ForIntegrasjon(string)"/>. Checked by the native library when
        /// the client is created (<see cref="FiksConfigurationException"/>); messages never show the password.
        /// </summary>
        /// <returns>These options, for chaining.</returns>
        public FiksClientOptions SetIntegrasjon(string name, string integrasjonId, string integrasjonPassord)
        {
            if (name == null) throw new ArgumentNullException("name");
            if (integrasjonId == null) throw new ArgumentNullException("integrasjonId");
            if (integrasjonPassord == null) throw new ArgumentNullException("integrasjonPassord");
            _integrasjoner[name] = new KeyValuePair<string, string>(integrasjonId, integrasjonPassord);
            return this;
        }

        /// <summary>
        /// Names a service by its base URL (as <c>[services]</c> in the TOML file; this wins for the same name): a
        /// request sent with <c>service: name</c> has its path joined onto <paramref name="baseUrl"/>, and the Fiks
        /// headers may go there. <c>fiks</c> and <c>svarut</c> are preset. Checked when the client is created.
        /// </summary>
        /// <returns>These options, for chaining.</returns>
        public FiksClientOptions SetService(string name, string baseUrl)
        {
            if (name == null) throw new ArgumentNullException("name");
            if (baseUrl == null) throw new ArgumentNullException("baseUrl");
            _services[name] = baseUrl;
            return this;
        }

        /// <summary>The integrasjoner named with <see cref="SetIntegrasjon"/>: name → integrasjon id (the passwords are not shown).</summary>
        public IReadOnlyDictionary<string, string> Integrasjoner
        {
            get
            {
                var ids = new Dictionary<string, string>();
                foreach (KeyValuePair<string, KeyValuePair<string, string>> kv in _integrasjoner) ids[kv.Key] = kv.Value.Key;
                return ids;
            }
        }

        /// <summary>The services named with <see cref="SetService"/>: name → base URL.</summary>
        public IReadOnlyDictionary<string, string> Services
        {
            get { return new Dictionary<string, string>(_services); }
        }

        internal IEnumerable<KeyValuePair<string, KeyValuePair<string, string>>> IntegrasjonEntries { get { return _integrasjoner; } }

        internal IEnumerable<KeyValuePair<string, string>> ServiceEntries { get { return _services; } }


        /// <summary><c>environment</c>: <c>test</c> or <c>prod</c>, the presets for Maskinporten and the Fiks API.</summary>
        public string Environment { get { return Get("environment"); } set { Put("environment", value); } }

        /// <summary><c>issuer</c>: the Maskinporten client id ("integrasjonens identifikator").</summary>
        public string Issuer { get { return Get("issuer"); } set { Put("issuer", value); } }

        /// <summary><c>scopes</c>: space-separated scopes; the library's default is <c>ks:fiks</c>. See also <see cref="SetScopes(string[])"/>.</summary>
        public string Scopes { get { return Get("scopes"); } set { Put("scopes", value); } }

        /// <summary>
        /// <c>certificate</c>: the virksomhetssertifikat as PKCS#12 (<c>.p12</c>/<c>.pfx</c>) or a PEM chain (leaf
        /// first): a path, or the PEM text itself (e.g. from a vault). A secret either way: never shown.
        /// </summary>
        public string Certificate { get { return Get("certificate"); } set { Put("certificate", value); } }

        /// <summary><c>certificate_password</c>: password of the PKCS#12 file or the encrypted PEM key. Never shown.</summary>
        public string CertificatePassword { get { return Get("certificate_password"); } set { Put("certificate_password", value); } }

        /// <summary>
        /// <c>private_key</c>: the PEM private key (PKCS#8 or PKCS#1, optionally encrypted) when <see cref="Certificate"/>
        /// is PEM: a path, or the PEM text itself (<c>PrivateKey = File.ReadAllText("key.pem")</c>). A secret either
        /// way: never shown, and never quoted in an error message.
        /// </summary>
        public string PrivateKey { get { return Get("private_key"); } set { Put("private_key", value); } }

        /// <summary><c>key_id</c>: the <c>kid</c> of a key registered at Maskinporten (grants then carry <c>kid</c>, not <c>x5c</c>).</summary>
        public string KeyId { get { return Get("key_id"); } set { Put("key_id", value); } }

        /// <summary><c>audience</c>: overrides the preset Maskinporten audience (exactly, trailing slash included).</summary>
        public string Audience { get { return Get("audience"); } set { Put("audience", value); } }

        /// <summary><c>token_endpoint</c>: overrides the preset Maskinporten token endpoint.</summary>
        public string TokenEndpoint { get { return Get("token_endpoint"); } set { Put("token_endpoint", value); } }

        /// <summary><c>resource</c>: audience-restricted tokens (space-separated).</summary>
        public string Resource { get { return Get("resource"); } set { Put("resource", value); } }

        /// <summary><c>consumer_org</c>: delegation, act for this organisation (9 digits).</summary>
        public string ConsumerOrg { get { return Get("consumer_org"); } set { Put("consumer_org", value); } }

        /// <summary><c>on_behalf_of</c>: supplier sub-client (<c>iss_onbehalfof</c>); not together with <see cref="ConsumerOrg"/>.</summary>
        public string OnBehalfOf { get { return Get("on_behalf_of"); } set { Put("on_behalf_of", value); } }

        /// <summary><c>pid</c>: end-user-restricted token (11 digits).</summary>
        public string Pid { get { return Get("pid"); } set { Put("pid", value); } }

        /// <summary>
        /// <c>authorization_details</c>: a rich authorization request (JSON) sent with every grant of the client's own
        /// token, e.g. <see cref="Fiks.Integrasjon.AuthorizationDetails.Systembruker"/> (an Altinn systembruker) or
        /// <see cref="Fiks.Integrasjon.AuthorizationDetails.Samtykke"/> (an Altinn samtykke). Checked by the native
        /// library when the client is created. Per request: <see cref="TokenOptions.AuthorizationDetails"/>.
        /// </summary>
        public string AuthorizationDetails { get { return Get("authorization_details"); } set { Put("authorization_details", value); } }

        /// <summary>
        /// <c>discovery</c>: true reads the audience and the token endpoint from Maskinporten's metadata
        /// (<c>/.well-known/oauth-authorization-server</c>, cached by the native library) instead of the preset.
        /// </summary>
        public bool? Discovery
        {
            get
            {
                string s = Get("discovery");
                if (s == null)
                {
                    return null;
                }
                // What this class writes; any other spelling (given with Set) is the native library's to read.
                return s == "true" ? true : s == "false" ? false : (bool?)null;
            }
            set { Put("discovery", value.HasValue ? (value.Value ? "true" : "false") : null); }
        }

        /// <summary><c>token_cache</c>: <c>memory</c> (the default) or <c>disk</c> (tokens shared between processes
        /// through files only the user can read, in <see cref="TokenCacheDir"/>).</summary>
        public string TokenCache { get { return Get("token_cache"); } set { Put("token_cache", value); } }

        /// <summary><c>token_cache_dir</c>: the directory of the disk token cache (default: the user's runtime or cache directory).</summary>
        public string TokenCacheDir { get { return Get("token_cache_dir"); } set { Put("token_cache_dir", value); } }

        /// <summary><c>integrasjon_id</c>: the Fiks integration id (a UUID from Fiks-konfigurasjon).</summary>
        public string IntegrasjonId { get { return Get("integrasjon_id"); } set { Put("integrasjon_id", value); } }

        /// <summary><c>integrasjon_passord</c>: the Fiks integration password. Never shown.</summary>
        public string IntegrasjonPassord { get { return Get("integrasjon_passord"); } set { Put("integrasjon_passord", value); } }

        /// <summary>
        /// <c>fiks_base_url</c>: base URL of the Fiks API (may carry a path prefix). The Fiks headers go to URLs
        /// with its scheme, host and port under its path, and to <see cref="AllowedOrigins"/>: nowhere else.
        /// </summary>
        public string FiksBaseUrl { get { return Get("fiks_base_url"); } set { Put("fiks_base_url", value); } }

        /// <summary>
        /// <c>allowed_origins</c>: more origins (<c>scheme://host:port</c>, separated by spaces) that may receive
        /// the Fiks headers besides <see cref="FiksBaseUrl"/>'s, e.g. <c>https://svarut.test.ks.no</c>.
        /// </summary>
        public string AllowedOrigins { get { return Get("allowed_origins"); } set { Put("allowed_origins", value); } }

        /// <summary><c>person_token</c>: integrasjon-person mode, a citizen's ID-porten token used instead of Maskinporten. Never shown.</summary>
        public string PersonToken { get { return Get("person_token"); } set { Put("person_token", value); } }

        /// <summary><c>ca_file</c>: extra PEM trust roots (enterprise proxies, test environments).</summary>
        public string CaFile { get { return Get("ca_file"); } set { Put("ca_file", value); } }

        /// <summary><c>timeout_seconds</c>: the timeout of one HTTP exchange (one attempt; see <see cref="RetryDeadline"/> for the whole call).</summary>
        public TimeSpan? Timeout { get { return GetSeconds("timeout_seconds"); } set { PutSeconds("timeout_seconds", value); } }

        /// <summary><c>connect_timeout_seconds</c>: the timeout of connecting.</summary>
        public TimeSpan? ConnectTimeout { get { return GetSeconds("connect_timeout_seconds"); } set { PutSeconds("connect_timeout_seconds", value); } }

        /// <summary><c>refresh_ahead_seconds</c>: how long before expiry a cached token is renewed.</summary>
        public TimeSpan? RefreshAhead { get { return GetSeconds("refresh_ahead_seconds"); } set { PutSeconds("refresh_ahead_seconds", value); } }

        /// <summary><c>max_retries</c>: how often a transient failure is retried (see <see cref="FiksClient"/> for which are).</summary>
        public int? MaxRetries
        {
            get
            {
                int n;
                string s = Get("max_retries");
                return s != null && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n : (int?)null;
            }
            set { Put("max_retries", value.HasValue ? value.Value.ToString(CultureInfo.InvariantCulture) : null); }
        }

        /// <summary>
        /// <c>retry_deadline_seconds</c>: the time one call may take, retries, backoff and <c>Retry-After</c> waits
        /// included (a per-call <c>timeout</c> given to <see cref="FiksClient.Send(string, string, string, TimeSpan?)"/> replaces it).
        /// </summary>
        public TimeSpan? RetryDeadline { get { return GetSeconds("retry_deadline_seconds"); } set { PutSeconds("retry_deadline_seconds", value); } }

        /// <summary>
        /// <c>max_response_bytes</c>: the largest successful Fiks answer read into memory (default 64 MiB, at most
        /// <see cref="int.MaxValue"/>). A larger one
        /// fails with a <see cref="FiksTransportException"/> whose <see cref="FiksException.Problem"/> is
        /// <c>too_large</c>, and its connection is dropped. Download large documents with your own
        /// <see cref="System.Net.Http.HttpClient"/> and <see cref="FiksAuthenticationHandler"/> instead, or raise this.
        /// </summary>
        public int? MaxResponseBytes
        {
            get
            {
                int n;
                string s = Get("max_response_bytes");
                return s != null && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n : (int?)null;
            }
            set { Put("max_response_bytes", value.HasValue ? value.Value.ToString(CultureInfo.InvariantCulture) : null); }
        }

        /// <summary>
        /// The virksomhetssertifikat as an <see cref="X509Certificate2"/>, used instead of <see cref="Certificate"/>:
        /// the native library gets the certificates only (with <see cref="ClientCertificateChain"/>, for the grant's
        /// <c>x5c</c>), and each grant is signed by the certificate's own key
        /// (<see cref="RSACertificateExtensions.GetRSAPrivateKey"/>), or by <see cref="Signer"/> when that is set. The key
        /// is never exported: it may be non-exportable (the Windows certificate store, a smart card, CNG/KSP).
        /// </summary>
        public X509Certificate2 ClientCertificate { get; set; }

        /// <summary>
        /// An RSA key that signs the grants (RS256) without leaving its store: Azure Key Vault's, a CNG/KSP key, a
        /// smart card's, any <see cref="RSA"/> that can <see cref="RSA.SignData(byte[], HashAlgorithmName, RSASignaturePadding)"/>.
        /// Goes with <see cref="ClientCertificate"/> (its certificate, for <c>x5c</c>), a PEM chain without key in
        /// <see cref="Certificate"/>, or <see cref="KeyId"/>; see <see cref="SetSigner(RSA, X509Certificate2, X509Certificate2Collection)"/>.
        /// The key stays the caller's (never disposed by the client; keep it alive as long as the client).
        /// Never shown: <see cref="ToString"/> says <c>&lt;signer&gt;</c>.
        /// </summary>
        public RSA Signer { get; set; }

        /// <summary>
        /// Intermediate certificates sent after <see cref="ClientCertificate"/> in the grant's <c>x5c</c>
        /// (optional; Maskinporten needs only the leaf when it knows the issuing CA).
        /// </summary>
        public X509Certificate2Collection ClientCertificateChain { get; set; }

        /// <summary>
        /// The virksomhetssertifikat as PKCS#12 bytes held in memory (e.g. from a key vault), opened with
        /// <see cref="CertificatePassword"/>; used instead of <see cref="Certificate"/>.
        /// </summary>
        public byte[] CertificatePkcs12 { get; set; }

        /// <summary>
        /// A TOML configuration file read under the values set here (<c>key = "value"</c> lines with the snake_case
        /// names). Relative paths in it are relative to the file.
        /// </summary>
        public string ConfigFile { get; set; }

        /// <summary>
        /// TOML text (the content of a configuration file, e.g. from a vault or a database) read under the values
        /// set here, after <see cref="ConfigFile"/>. Relative paths in it are relative to the working directory.
        /// Never shown: it may hold secrets, and error messages never quote it.
        /// </summary>
        public string TomlText { get; set; }

        /// <summary>
        /// Whether the environment is read under the values set here: the <c>FIKS_&lt;KEY&gt;</c> variables, and,
        /// when neither <see cref="ConfigFile"/> nor <see cref="TomlText"/> is given, the TOML file that
        /// <c>FIKS_CONFIG</c> names (the native library reads both). Default false.
        /// </summary>
        public bool UseEnvironmentVariables { get; set; }

        /// <summary>Options that read <paramref name="toml"/> (the content of a configuration file): <see cref="TomlText"/>.</summary>
        /// <example><code>var options = FiksClientOptions.FromToml(vault.Get("fiks.toml"));</code></example>
        public static FiksClientOptions FromToml(string toml)
        {
            if (toml == null)
            {
                throw new ArgumentNullException("toml");
            }
            return new FiksClientOptions { TomlText = toml };
        }

        /// <summary>
        /// Sets any configuration key by its snake_case name (<c>"issuer"</c>, <c>"timeout_seconds"</c>, …);
        /// null removes the value. Throws <see cref="FiksConfigurationException"/> at once for an unknown key
        /// (the message suggests the closest one). Values are checked when the client is created.
        /// </summary>
        /// <returns>These options, for chaining.</returns>
        public FiksClientOptions Set(string key, string value)
        {
            string canonical = Canonical(key);
            ValidateKey(canonical);
            Put(canonical, value);
            return this;
        }

        /// <summary>The value set for a snake_case key, or null.</summary>
        public string Get(string key)
        {
            string canonical = Canonical(key);
            foreach (KeyValuePair<string, string> kv in _values)
            {
                if (kv.Key == canonical)
                {
                    return kv.Value;
                }
            }
            return null;
        }

        /// <summary>Sets <see cref="Scopes"/> from a list, e.g. <c>SetScopes("ks:fiks", "digdir:dialogporten")</c>.</summary>
        /// <returns>These options, for chaining.</returns>
        public FiksClientOptions SetScopes(params string[] scopes)
        {
            return SetScopes((IEnumerable<string>)scopes);
        }

        /// <summary>Sets <see cref="Scopes"/> from a list.</summary>
        /// <returns>These options, for chaining.</returns>
        public FiksClientOptions SetScopes(IEnumerable<string> scopes)
        {
            Scopes = JoinList(scopes, "scopes");
            return this;
        }

        /// <summary>The scopes as a list (empty when <see cref="Scopes"/> is not set).</summary>
        public IList<string> GetScopes()
        {
            string s = Scopes;
            return s == null ? new List<string>() : s.Split(new[] { ' ', '\t', '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries).ToList();
        }

        /// <summary>
        /// Uses an <see cref="X509Certificate2"/> with its private key as the virksomhetssertifikat, optionally with
        /// intermediates: the key signs each grant where it is (it need not be exportable; load a PKCS#12 file without
        /// <see cref="X509KeyStorageFlags.Exportable"/>, or take the certificate from a store). Same as setting
        /// <see cref="ClientCertificate"/> and <see cref="ClientCertificateChain"/>, and clearing <see cref="Signer"/>.
        /// </summary>
        /// <example>
        /// <code>
        /// using (var store = new X509Store(StoreName.My, StoreLocation.LocalMachine))
        /// {
        ///     store.Open(OpenFlags.ReadOnly);
        ///     X509Certificate2 cert = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, false)[0];
        ///     options.SetCertificate(cert);   // the key is used in the store, never exported
        /// }
        /// </code>
        /// </example>
        /// <returns>These options, for chaining.</returns>
        public FiksClientOptions SetCertificate(X509Certificate2 certificate, X509Certificate2Collection intermediates = null)
        {
            if (certificate == null)
            {
                throw new ArgumentNullException("certificate");
            }
            ClientCertificate = certificate;
            ClientCertificateChain = intermediates;
            Signer = null;
            return this;
        }

        /// <summary>
        /// Signs the grants with <paramref name="key"/> (any <see cref="RSA"/>: Azure Key Vault's, CNG's, a smart card's)
        /// and sends <paramref name="certificate"/> (no private key needed) and <paramref name="intermediates"/> in the
        /// grant's <c>x5c</c>. Same as setting <see cref="Signer"/>, <see cref="ClientCertificate"/> and
        /// <see cref="ClientCertificateChain"/>. The native library checks each signature against the certificate.
        /// </summary>
        /// <remarks>
        /// The key is called on a thread of the native library, possibly for several token requests at once (one call
        /// to one key at a time), each call bounded by <see cref="Timeout"/>. Whatever it throws fails the token request
        /// with a <see cref="FiksCertificateException"/> whose <see cref="FiksException.Problem"/> is <c>signer</c> and
        /// whose message carries the exception's message. The key stays the caller's: keep it alive as long as the client.
        /// </remarks>
        /// <example>
        /// <code>
        /// RSA key = keyVaultKey;                       // e.g. Azure.Security.KeyVault.Keys.Cryptography's RSA
        /// var cert = new X509Certificate2(File.ReadAllBytes("virksomhet.cer"));
        /// options.SetSigner(key, cert);
        /// </code>
        /// </example>
        /// <returns>These options, for chaining.</returns>
        public FiksClientOptions SetSigner(RSA key, X509Certificate2 certificate, X509Certificate2Collection intermediates = null)
        {
            if (key == null)
            {
                throw new ArgumentNullException("key");
            }
            if (certificate == null)
            {
                throw new ArgumentNullException("certificate");
            }
            Signer = key;
            ClientCertificate = certificate;
            ClientCertificateChain = intermediates;
            return this;
        }

        /// <summary>
        /// Signs the grants with <paramref name="key"/> and sends <c>kid</c> <paramref name="keyId"/> (a key registered
        /// at Maskinporten) instead of a certificate. Same as setting <see cref="Signer"/> and <see cref="KeyId"/>, and
        /// clearing <see cref="ClientCertificate"/> and <see cref="ClientCertificateChain"/>. See
        /// <see cref="SetSigner(RSA, X509Certificate2, X509Certificate2Collection)"/> for how the key is called.
        /// </summary>
        /// <returns>These options, for chaining.</returns>
        public FiksClientOptions SetSigner(RSA key, string keyId)
        {
            if (key == null)
            {
                throw new ArgumentNullException("key");
            }
            if (keyId == null)
            {
                throw new ArgumentNullException("keyId");
            }
            Signer = key;
            KeyId = keyId;
            ClientCertificate = null;
            ClientCertificateChain = null;
            return this;
        }

        /// <summary>A copy of these options (the certificate and key objects and the byte arrays are shared).</summary>
        public FiksClientOptions Clone()
        {
            var copy = new FiksClientOptions();
            copy._values.AddRange(_values);
            foreach (KeyValuePair<string, KeyValuePair<string, string>> kv in _integrasjoner) copy._integrasjoner[kv.Key] = kv.Value;
            foreach (KeyValuePair<string, string> kv in _services) copy._services[kv.Key] = kv.Value;
            copy.ClientCertificate = ClientCertificate;
            copy.ClientCertificateChain = ClientCertificateChain;
            copy.Signer = Signer;
            copy.CertificatePkcs12 = CertificatePkcs12;
            copy.ConfigFile = ConfigFile;
            copy.TomlText = TomlText;
            copy.UseEnvironmentVariables = UseEnvironmentVariables;
            return copy;
        }

        /// <summary>
        /// The keys that are set, with the values of secret keys (the native key table says which) shown as
        /// <c>&lt;redacted&gt;</c>; when the native library cannot be loaded, every value is.
        /// </summary>
        public override string ToString()
        {
            var sb = new StringBuilder("FiksClientOptions {");
            bool first = true;
            foreach (KeyValuePair<string, string> kv in _values)
            {
                sb.Append(first ? " " : ", ").Append(kv.Key).Append(" = ");
                sb.Append(IsSecret(kv.Key) ? "<redacted>" : kv.Value);
                first = false;
            }
            if (ClientCertificate != null)
            {
                sb.Append(first ? " " : ", ").Append("ClientCertificate = ").Append(ClientCertificate.Subject);
                first = false;
            }
            if (Signer != null)
            {
                sb.Append(first ? " " : ", ").Append("Signer = <signer>");
                first = false;
            }
            if (CertificatePkcs12 != null)
            {
                sb.Append(first ? " " : ", ").Append("CertificatePkcs12 = <").Append(CertificatePkcs12.Length).Append(" bytes>");
                first = false;
            }
            if (ConfigFile != null)
            {
                sb.Append(first ? " " : ", ").Append("ConfigFile = ").Append(ConfigFile);
                first = false;
            }
            if (TomlText != null)
            {
                sb.Append(first ? " " : ", ").Append("TomlText = <redacted>");
                first = false;
            }
            if (UseEnvironmentVariables)
            {
                sb.Append(first ? " " : ", ").Append("UseEnvironmentVariables = true");
                first = false;
            }
            sb.Append(first ? "}" : " }");
            return sb.ToString();
        }

        internal IEnumerable<KeyValuePair<string, string>> Values
        {
            get { return _values; }
        }

        /// <summary>Whether the core's key table marks <paramref name="key"/> as secret; true when it cannot be read.</summary>
        private static bool IsSecret(string key)
        {
            try
            {
                return ConfigKeys.IsSecret(key);
            }
            catch (Exception)
            {
                // No native library (ToString in a debugger, a broken install): show no value rather than guess.
                return true;
            }
        }

        private void Put(string key, string value)
        {
            int index = _values.FindIndex(kv => kv.Key == key);
            if (value == null)
            {
                if (index >= 0)
                {
                    _values.RemoveAt(index);
                }
                return;
            }
            var entry = new KeyValuePair<string, string>(key, value);
            if (index >= 0)
            {
                _values[index] = entry;
            }
            else
            {
                _values.Add(entry);
            }
        }

        private TimeSpan? GetSeconds(string key)
        {
            string s = Get(key);
            double seconds;
            if (s == null || !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
            {
                return null;
            }
            return TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        }

        private void PutSeconds(string key, TimeSpan? value)
        {
            if (!value.HasValue)
            {
                Put(key, null);
                return;
            }
            double seconds = value.Value.Ticks / (double)TimeSpan.TicksPerSecond;
            Put(key, seconds.ToString("R", CultureInfo.InvariantCulture));
        }

        private static string JoinList(IEnumerable<string> items, string paramName)
        {
            if (items == null)
            {
                throw new ArgumentNullException(paramName);
            }
            var parts = new List<string>();
            foreach (string item in items)
            {
                if (item == null)
                {
                    throw new ArgumentException("The list contains null.", paramName);
                }
                string trimmed = item.Trim();
                if (trimmed.Length > 0)
                {
                    parts.Add(trimmed);
                }
            }
            return string.Join(" ", parts);
        }

        /// <summary>The snake_case form of a key: trimmed, lower case, '-' as '_'.</summary>
        internal static string Canonical(string key)
        {
            if (key == null)
            {
                throw new ArgumentNullException("key");
            }
            return key.Trim().ToLowerInvariant().Replace('-', '_');
        }

        /// <summary>Asks the native library whether it knows the key (it alone holds the list).</summary>
        private static void ValidateKey(string key)
        {
            using (ConfigHandle scratch = ConfigHandle.Create())
            {
                IntPtr error;
                FiksStatus status = NativeMethods.fiks_config_set(scratch, Utf8.ToNative(key, "key"), new byte[] { 0 }, out error);
                ErrorMapper.Check(status, error);
            }
        }
    }
}
