using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// A KS Fiks integrasjon: gets Maskinporten access tokens with the virksomhetssertifikat, keeps them
    /// cached and renews them ahead of expiry, builds the Fiks headers (<c>Authorization</c>,
    /// <c>IntegrasjonId</c>, <c>IntegrasjonPassord</c>) and calls Fiks REST APIs.
    /// </summary>
    /// <remarks>
    /// <para>Create one client per configuration and share it: it is safe to use from many threads at
    /// once, and when many callers need a token at the same moment exactly one request goes to
    /// Maskinporten. Dispose it when done (it then throws <see cref="ObjectDisposedException"/>);
    /// a client that is never disposed is freed by its finalizer.</para>
    /// <para>The synchronous methods block on the network. The <c>…Async</c> methods block no thread: a fresh
    /// cached token or headers come back as a completed task; otherwise the native library does the work on its
    /// own I/O thread and the task completes from its callback (continuations run on the thread pool, never on
    /// that thread). Their <see cref="CancellationToken"/> cancels the native call (the task then ends
    /// <see cref="TaskStatus.Canceled"/>); a token fetch other callers share goes on for them. Disposing the client
    /// with calls pending ends each with an <see cref="ObjectDisposedException"/> before <see cref="Dispose"/>
    /// returns. Failures are <see cref="FiksException"/> subclasses (thrown, or faulting the task).</para>
    /// <para>Every rule below is the native library's (the Rust core); this class only passes it on.</para>
    /// <list type="bullet">
    /// <item><description>Where the Fiks headers may go: to URLs with the scheme, host and port of
    /// <c>fiks_base_url</c> under its path prefix, and to the origins listed in <c>allowed_origins</c>; nowhere
    /// else (<see cref="MaySendHeaders"/>, <see cref="GetHeaders(string)"/>, <see cref="FiksAuthenticationHandler"/>).
    /// <see cref="Send(string, string, string, TimeSpan?)"/> refuses any other URL.</description></item>
    /// <item><description>Retries: connection failures are always retried; timeouts and HTTP 429, 500, 502, 503
    /// and 504 only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE). The wait is the server's
    /// <c>Retry-After</c>, or a backoff from 200 ms doubling up to 10 s with full jitter; at most
    /// <c>max_retries</c> retries, and the whole call is bounded by <c>retry_deadline_seconds</c> or the per-call
    /// <c>timeout</c>: a wait that would end past it (a <c>Retry-After</c> longer than the time left, or a
    /// backoff) is not started, and the call fails at once with the last error. Maskinporten refusals,
    /// configuration, certificate and usage errors are never retried.</description></item>
    /// <item><description>401: the token is renewed once and the call repeated; a 401 to that fresh token means
    /// Fiks refuses the integrasjon (check <c>integrasjon_id</c>/<c>integrasjon_passord</c>), and no further token
    /// is requested for it (at most one renewal per token lifetime is caused by 401s, see <see cref="EvictToken"/>).</description></item>
    /// </list>
    /// </remarks>
    /// <example>
    /// <code>
    /// using (var client = new FiksClient(options))
    /// {
    ///     FiksResponse r = client.Send("POST", "/innsyn-sok/api/v1/sok", "{\"sok\":\"byggesak\"}");
    ///     Console.WriteLine(r.StatusCode + " " + r.BodyText);
    /// }
    /// </code>
    /// </example>
    public sealed class FiksClient : IFiksClient
    {
        private readonly ClientHandle _handle;
        private int _disposed;

        /// <summary>
        /// Creates a client from <paramref name="options"/> (and its <see cref="FiksClientOptions.ConfigFile"/>,
        /// <see cref="FiksClientOptions.TomlText"/> and the environment when asked for). Reads the certificate at
        /// once, so a wrong path or password fails here, not at the first call. No network call is made.
        /// </summary>
        /// <exception cref="FiksConfigurationException">A key is missing, malformed or combined wrongly.</exception>
        /// <exception cref="FiksCertificateException">The certificate or key cannot be used.</exception>
        public FiksClient(FiksClientOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            EnvironmentLayer environment = EnvironmentLayer.None;
            if (options.UseEnvironmentVariables)
            {
                // As the core's Config::from_file and Config::from_env: a file given here replaces FIKS_CONFIG.
                environment = options.ConfigFile == null && options.TomlText == null
                    ? EnvironmentLayer.VariablesAndConfigFile
                    : EnvironmentLayer.Variables;
            }
            _handle = Build(options, options.ConfigFile, environment);
        }

        private FiksClient(ClientHandle handle)
        {
            _handle = handle;
        }

        /// <summary>
        /// Creates a client from a TOML configuration file (the snake_case keys; relative paths in it are relative
        /// to the file), with <c>FIKS_&lt;KEY&gt;</c> environment variables over it (<c>FIKS_CONFIG</c> is not read:
        /// <paramref name="path"/> is the file).
        /// </summary>
        /// <exception cref="FiksConfigurationException">The file cannot be read, is not TOML, or a key is wrong.</exception>
        /// <exception cref="FiksCertificateException">The certificate or key cannot be used.</exception>
        public static FiksClient FromFile(string path)
        {
            if (path == null)
            {
                throw new ArgumentNullException("path");
            }
            return new FiksClient(Build(new FiksClientOptions(), path, EnvironmentLayer.Variables));
        }

        /// <summary>
        /// Creates a client from the environment: the TOML file <c>FIKS_CONFIG</c> names (when set), with the
        /// <c>FIKS_&lt;KEY&gt;</c> variables over it. The native library reads both.
        /// </summary>
        public static FiksClient FromEnvironment()
        {
            return new FiksClient(Build(new FiksClientOptions(), null, EnvironmentLayer.VariablesAndConfigFile));
        }

        /// <summary>Which part of the environment <see cref="Build"/> reads.</summary>
        private enum EnvironmentLayer
        {
            None,
            /// <summary>The <c>FIKS_&lt;KEY&gt;</c> variables (<c>fiks_config_load_env</c>).</summary>
            Variables,
            /// <summary>The file <c>FIKS_CONFIG</c> names, then the variables (<c>fiks_config_load_env_with_file</c>).</summary>
            VariablesAndConfigFile,
        }

        /// <summary>The version of the native library <c>libfiks_integrasjon</c>.</summary>
        public static string NativeVersion
        {
            get
            {
                NativeLibraryLoader.EnsureLoaded();
                return Utf8.FromNative(NativeMethods.fiks_version());
            }
        }

        // ---- logging -----------------------------------------------------------------------------

        /// <summary>
        /// Sends the native library's log events up to <paramref name="maxLevel"/> to <paramref name="handler"/>, for
        /// every client of the process (logging is process-wide, and off until this is called). At
        /// <see cref="FiksLogLevel.Info"/>: each Maskinporten token fetch, each retry (why, delay, attempt) and each
        /// final failure; at <see cref="FiksLogLevel.Debug"/> also each exchange. No event ever carries a secret.
        /// A null <paramref name="handler"/> or <see cref="FiksLogLevel.Off"/> turns logging off; a new handler
        /// replaces the previous one, and when this returns the previous one is not running and is never called again.
        /// </summary>
        /// <remarks>
        /// <para>The handler runs on the thread that emitted the event — the caller's thread inside a
        /// <see cref="FiksClient"/> method, or a thread of the native library (background token renewal) — possibly
        /// on several threads at once, and the emitting call waits for it: keep it short and thread-safe (hand the
        /// record to your logger; do not block). Events the handler causes itself (by calling the library) are
        /// dropped. It must not call <see cref="SetLogHandler"/> (that throws <see cref="InvalidOperationException"/>
        /// there). Exceptions it throws are caught and dropped: they never reach the native library or the call that
        /// logged.</para>
        /// <para>To forward to <c>Microsoft.Extensions.Logging</c> (no dependency of this package), map the level and
        /// use <see cref="FiksLogRecord.Target"/> as the category; see the README.</para>
        /// </remarks>
        /// <example>
        /// <code>
        /// FiksClient.SetLogHandler(r => Console.Error.WriteLine(r), FiksLogLevel.Info);
        /// // INFO fiks_integrasjon::token: fetched a Maskinporten token lifetime_s=120 key=… elapsed_ms=35
        /// FiksClient.SetLogHandler(null);   // off
        /// </code>
        /// </example>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLevel"/> is not a <see cref="FiksLogLevel"/>.</exception>
        /// <exception cref="InvalidOperationException">Called from inside the handler.</exception>
        /// <exception cref="FiksException">Of kind <see cref="FiksErrorKind.Usage"/>: another Rust library in the
        /// process already took the native log hook (its global <c>tracing</c> subscriber).</exception>
        public static void SetLogHandler(Action<FiksLogRecord> handler, FiksLogLevel maxLevel = FiksLogLevel.Info)
        {
            LogBridge.Set(handler, maxLevel);
        }

        // ---- tokens ------------------------------------------------------------------------------

        /// <summary>
        /// A Maskinporten access token for the configured scopes: from the cache, or fetched (one request
        /// for all concurrent callers) when there is none or it is about to expire.
        /// </summary>
        /// <exception cref="FiksTokenException">Maskinporten refused the grant.</exception>
        /// <exception cref="FiksTransportException">Maskinporten could not be reached in time.</exception>
        public string GetAccessToken()
        {
            ThrowIfDisposed();
            IntPtr token;
            IntPtr error;
            FiksStatus status = NativeMethods.fiks_client_access_token(_handle, out token, out error);
            ErrorMapper.Check(status, error);
            return Utf8.TakeOwned(token);
        }

        /// <summary>A Maskinporten access token for other scopes than the configured ones (cached separately).</summary>
        public string GetAccessToken(IEnumerable<string> scopes)
        {
            string joined = JoinScopes(scopes);
            ThrowIfDisposed();
            IntPtr token;
            IntPtr error;
            FiksStatus status = NativeMethods.fiks_client_access_token_for_scopes(_handle, Utf8.ToNative(joined, "scopes"), out token, out error);
            ErrorMapper.Check(status, error);
            return Utf8.TakeOwned(token);
        }

        /// <summary>
        /// <see cref="GetAccessToken()"/> without blocking a thread: a fresh cached token comes back as a completed
        /// task; otherwise the native library fetches one (one request for all concurrent callers, synchronous ones
        /// included) and the task completes when it is there.
        /// </summary>
        /// <param name="cancellationToken">Cancels this caller's wait: the task ends <see cref="TaskStatus.Canceled"/>.
        /// A fetch that other callers wait for goes on for them and fills the cache.</param>
        /// <exception cref="FiksTokenException">(In the task.) Maskinporten refused the grant.</exception>
        /// <exception cref="FiksTransportException">(In the task.) Maskinporten could not be reached in time.</exception>
        /// <exception cref="ObjectDisposedException">(In the task.) The client is disposed, or was disposed while the call was pending.</exception>
        public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<string>(cancellationToken);
            }
            if (IsDisposed)
            {
                return Disposed<string>();
            }
            try
            {
                IntPtr cached;
                if (NativeMethods.fiks_client_cached_access_token(_handle, out cached))
                {
                    return Task.FromResult(Utf8.TakeOwned(cached));
                }
            }
            catch (ObjectDisposedException)
            {
                return Disposed<string>();
            }
            return StartToken(null, cancellationToken);
        }

        /// <summary>
        /// <see cref="GetAccessToken(IEnumerable{string})"/> without blocking a thread (see
        /// <see cref="GetAccessTokenAsync(CancellationToken)"/>); always asks the native library, which answers from
        /// its cache when it can.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="scopes"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="scopes"/> holds no scope, or a null one.</exception>
        public Task<string> GetAccessTokenAsync(IEnumerable<string> scopes, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] joined = Utf8.ToNative(JoinScopes(scopes), "scopes");
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<string>(cancellationToken);
            }
            if (IsDisposed)
            {
                return Disposed<string>();
            }
            return StartToken(joined, cancellationToken);
        }

        /// <summary>
        /// A Maskinporten access token for <paramref name="options"/> (other scopes, a <c>resource</c>, delegation with
        /// <c>consumer_org</c>, a <c>pid</c>, <c>authorization_details</c>, …; unset options keep the configured values):
        /// from the cache, or fetched (one request for all concurrent callers of the same options). Each combination is
        /// cached as a token of its own.
        /// </summary>
        /// <example>
        /// <code>
        /// string forOslo = client.GetAccessToken(new TokenOptions { ConsumerOrg = "974760673" });
        /// </code>
        /// </example>
        /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
        /// <exception cref="FiksConfigurationException">The native library refuses an option's value (nothing is sent).</exception>
        /// <exception cref="FiksTokenException">Maskinporten refused the grant.</exception>
        /// <exception cref="FiksTransportException">Maskinporten could not be reached in time.</exception>
        public string GetAccessToken(TokenOptions options)
        {
            List<KeyValuePair<byte[], byte[]>> entries = TokenEntries(options);
            ThrowIfDisposed();
            IntPtr request = BuildTokenRequest(_handle, entries);
            try
            {
                IntPtr token;
                IntPtr error;
                FiksStatus status = NativeMethods.fiks_client_access_token_for(_handle, request, out token, out error);
                ErrorMapper.Check(status, error);
                return Utf8.TakeOwned(token);
            }
            finally
            {
                NativeMethods.fiks_token_request_free(request);
            }
        }

        /// <summary>
        /// <see cref="GetAccessToken(TokenOptions)"/> without blocking a thread (see
        /// <see cref="GetAccessTokenAsync(CancellationToken)"/>): the native library answers from its cache when it can,
        /// else fetches the token on its own I/O thread and the task completes from its callback.
        /// </summary>
        /// <param name="options">What the token is asked for; unset options keep the configured values.</param>
        /// <param name="cancellationToken">Cancels this caller's wait: the task ends <see cref="TaskStatus.Canceled"/>.
        /// A fetch that other callers wait for goes on for them.</param>
        /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
        /// <exception cref="FiksConfigurationException">(In the task.) The native library refuses an option's value (nothing is sent).</exception>
        /// <exception cref="FiksTokenException">(In the task.) Maskinporten refused the grant.</exception>
        /// <exception cref="ObjectDisposedException">(In the task.) The client is disposed, or was disposed while the call was pending.</exception>
        public Task<string> GetAccessTokenAsync(TokenOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            List<KeyValuePair<byte[], byte[]>> entries = TokenEntries(options);
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<string>(cancellationToken);
            }
            if (IsDisposed)
            {
                return Disposed<string>();
            }
            ClientHandle handle = _handle;
            IntPtr request;
            try
            {
                request = BuildTokenRequest(handle, entries);
            }
            catch (ObjectDisposedException)
            {
                return Disposed<string>();
            }
            catch (FiksException e)
            {
                return PendingCall<string>.Faulted(e);
            }
            try
            {
                return PendingCall<string>.Start(handle, cancellationToken,
                    (IntPtr userData, out IntPtr call, out IntPtr error) => NativeMethods.fiks_client_access_token_for_async(
                        handle, request, PendingCall.TokenCallback, userData, out call, out error),
                    TakeToken, PendingCall.FreeString);
            }
            finally
            {
                NativeMethods.fiks_token_request_free(request);
            }
        }

        /// <summary>The options as NUL-terminated UTF-8 (name, value) pairs (an <see cref="ArgumentException"/> for a NUL or a lone surrogate).</summary>
        private static List<KeyValuePair<byte[], byte[]>> TokenEntries(TokenOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            var entries = new List<KeyValuePair<byte[], byte[]>>();
            foreach (KeyValuePair<string, string> entry in options.Entries())
            {
                entries.Add(new KeyValuePair<byte[], byte[]>(Utf8.ToNative(entry.Key, "options"), Utf8.ToNative(entry.Value, "options")));
            }
            return entries;
        }

        /// <summary>
        /// A <c>fiks_token_request*</c> (the caller frees it): the client's default request with each option set; the
        /// native library checks every value.
        /// </summary>
        private static IntPtr BuildTokenRequest(ClientHandle client, List<KeyValuePair<byte[], byte[]>> entries)
        {
            IntPtr request;
            IntPtr error;
            ErrorMapper.Check(NativeMethods.fiks_token_request_new(client, out request, out error), error);
            try
            {
                foreach (KeyValuePair<byte[], byte[]> entry in entries)
                {
                    FiksStatus status = NativeMethods.fiks_token_request_set(request, entry.Key, entry.Value, out error);
                    ErrorMapper.Check(status, error);
                }
                return request;
            }
            catch
            {
                NativeMethods.fiks_token_request_free(request);
                throw;
            }
        }

        private Task<string> StartToken(byte[] scopes, CancellationToken cancellationToken)
        {
            ClientHandle handle = _handle;
            return PendingCall<string>.Start(handle, cancellationToken,
                (IntPtr userData, out IntPtr call, out IntPtr error) => NativeMethods.fiks_client_access_token_async(
                    handle, scopes, PendingCall.TokenCallback, userData, out call, out error),
                TakeToken, PendingCall.FreeString);
        }

        private static readonly Func<IntPtr, string> TakeToken = Utf8.TakeOwned;
        private static readonly Func<IntPtr, IReadOnlyDictionary<string, string>> TakeHeadersResult = TakeHeaders;
        private static readonly Func<IntPtr, FiksResponse> TakeResponse = TakeOwnedResponse;

        private static Task<T> Disposed<T>()
        {
            return PendingCall<T>.Faulted(new ObjectDisposedException(typeof(FiksClient).FullName));
        }

        // ---- headers -----------------------------------------------------------------------------

        /// <summary>
        /// The Fiks headers: <c>Authorization</c> (<c>Bearer</c> and the token), <c>IntegrasjonId</c> and
        /// <c>IntegrasjonPassord</c>. Names are compared case-insensitively. The values are secrets: do not log them.
        /// </summary>
        public IReadOnlyDictionary<string, string> GetHeaders()
        {
            ThrowIfDisposed();
            IntPtr headers;
            IntPtr error;
            FiksStatus status = NativeMethods.fiks_client_headers(_handle, out headers, out error);
            ErrorMapper.Check(status, error);
            return TakeHeaders(headers);
        }

        /// <summary>Copies a <c>fiks_headers*</c> and frees it (which wipes the native values).</summary>
        private static IReadOnlyDictionary<string, string> TakeHeaders(IntPtr headers)
        {
            try
            {
                int count = checked((int)NativeMethods.fiks_headers_count(headers).ToUInt64());
                var names = new string[count];
                var values = new string[count];
                for (int i = 0; i < count; i++)
                {
                    var index = new UIntPtr((uint)i);
                    names[i] = Utf8.FromNative(NativeMethods.fiks_headers_name(headers, index));
                    values[i] = Utf8.FromNative(NativeMethods.fiks_headers_value(headers, index));
                }
                return new HeaderDictionary(names, values);
            }
            finally
            {
                // Wipes the native copies of the secret values (ABI.md).
                NativeMethods.fiks_headers_free(headers);
            }
        }

        /// <summary>
        /// <see cref="GetHeaders()"/> without blocking a thread: with a fresh cached token a completed task (about
        /// the cost of <see cref="GetHeaders()"/>); otherwise the task completes when the native library has the
        /// token (one request for all concurrent callers).
        /// </summary>
        /// <param name="cancellationToken">Cancels this caller's wait: the task ends <see cref="TaskStatus.Canceled"/>.
        /// A token fetch others wait for goes on for them.</param>
        /// <exception cref="FiksTokenException">(In the task.) No token could be had.</exception>
        /// <exception cref="ObjectDisposedException">(In the task.) The client is disposed, or was disposed while the call was pending.</exception>
        public Task<IReadOnlyDictionary<string, string>> GetHeadersAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return HeadersAsync(null, cancellationToken);
        }

        private Task<IReadOnlyDictionary<string, string>> HeadersAsync(byte[] url, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<IReadOnlyDictionary<string, string>>(cancellationToken);
            }
            if (IsDisposed)
            {
                return Disposed<IReadOnlyDictionary<string, string>>();
            }
            ClientHandle handle = _handle;
            try
            {
                IntPtr cached;
                if (NativeMethods.fiks_client_cached_headers(handle, url, out cached))
                {
                    return Task.FromResult(TakeHeaders(cached));
                }
            }
            catch (ObjectDisposedException)
            {
                return Disposed<IReadOnlyDictionary<string, string>>();
            }
            // The native library checks url before it starts (FIKS_ERROR_USAGE: it faults the task).
            return PendingCall<IReadOnlyDictionary<string, string>>.Start(handle, cancellationToken,
                (IntPtr userData, out IntPtr call, out IntPtr error) => NativeMethods.fiks_client_headers_async(
                    handle, url, PendingCall.HeadersCallback, userData, out call, out error),
                TakeHeadersResult, PendingCall.FreeHeaders);
        }

        /// <summary>
        /// The Fiks headers for a request to <paramref name="url"/> made with your own HTTP client, only when the
        /// native library allows that URL (see <see cref="MaySendHeaders"/>). Ask again for each redirect target.
        /// </summary>
        /// <exception cref="FiksException">Of kind <see cref="FiksErrorKind.Usage"/> when the headers may not go to <paramref name="url"/>.</exception>
        /// <exception cref="FiksTokenException">No token could be had.</exception>
        public IReadOnlyDictionary<string, string> GetHeaders(string url)
        {
            byte[] u = Utf8.ToNative(url, "url");
            ThrowIfDisposed();
            IntPtr headers;
            IntPtr error;
            FiksStatus status = NativeMethods.fiks_client_headers_for_url(_handle, u, out headers, out error);
            ErrorMapper.Check(status, error);
            return TakeHeaders(headers);
        }

        /// <summary>
        /// <see cref="GetHeaders(string)"/> without blocking a thread (see <see cref="GetHeadersAsync(CancellationToken)"/>).
        /// A URL the headers may not go to faults the task at once with a <see cref="FiksException"/> of kind
        /// <see cref="FiksErrorKind.Usage"/>, and no token is fetched for it.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="url"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="url"/> holds a NUL character or a lone surrogate.</exception>
        public Task<IReadOnlyDictionary<string, string>> GetHeadersAsync(string url, CancellationToken cancellationToken = default(CancellationToken))
        {
            return HeadersAsync(Utf8.ToNative(url, "url"), cancellationToken);
        }

        /// <summary>
        /// Whether the Fiks headers may go to <paramref name="url"/>: the native library's one rule — the scheme,
        /// host and port of <c>fiks_base_url</c> with a path under its prefix, or an origin in
        /// <c>allowed_origins</c>. False for a URL that does not parse. No network call, no token.
        /// </summary>
        public bool MaySendHeaders(string url)
        {
            byte[] u = Utf8.ToNative(url, "url");
            ThrowIfDisposed();
            return NativeMethods.fiks_client_may_send_headers(_handle, u);
        }

        /// <summary>
        /// After your own request got HTTP 401 with <paramref name="token"/> (the access token, or the whole
        /// <c>Authorization</c> value <c>Bearer …</c>): forgets it, so that the next call fetches a new one — at most
        /// once per token lifetime. Returns true when repeating the request may help (the token was forgotten, or a
        /// newer one is cached already), false when <paramref name="token"/> was itself fetched after a 401: then
        /// Fiks refuses the integrasjon (its id or password), not the token, and no new token is fetched.
        /// <see cref="FiksAuthenticationHandler"/> and <see cref="Send(string, string, string, TimeSpan?)"/> do this themselves.
        /// </summary>
        /// <example>
        /// <code>
        /// if (answer.StatusCode == HttpStatusCode.Unauthorized &amp;&amp; client.EvictToken(headers["Authorization"]))
        ///     answer = await SendAgain();   // with client.GetHeaders(url) fetched anew
        /// </code>
        /// </example>
        public bool EvictToken(string token)
        {
            byte[] t = Utf8.ToNative(token, "token");
            ThrowIfDisposed();
            try
            {
                bool retry;
                IntPtr error;
                FiksStatus status = NativeMethods.fiks_client_evict_token(_handle, t, out retry, out error);
                ErrorMapper.Check(status, error);
                return retry;
            }
            finally
            {
                Utf8.Clear(t);
            }
        }

        // ---- requests ----------------------------------------------------------------------------

        /// <summary>
        /// Calls the Fiks API: <paramref name="path"/> is joined to <c>fiks_base_url</c> (or a full URL the Fiks
        /// headers may go to); a <paramref name="body"/> is sent as <c>application/json</c>. Transient failures are
        /// retried and a 401 renews the token once, by the native library's rules (see <see cref="FiksClient"/>).
        /// </summary>
        /// <param name="method">An HTTP method, e.g. <c>GET</c> or <c>post</c>.</param>
        /// <param name="path">A path under <c>fiks_base_url</c>, e.g. <c>/innsyn-sok/api/v1/sok</c>.</param>
        /// <param name="body">The JSON body, or null for none.</param>
        /// <param name="timeout">The deadline of the whole call — a token fetch, retries, backoff and <c>Retry-After</c>
        /// waits included — instead of <c>retry_deadline_seconds</c>; null keeps that. From 1 ms to one day.</param>
        /// <exception cref="FiksApiException">The API answered non-2xx; carries the Fiks error fields.</exception>
        /// <exception cref="FiksTokenException">No token could be had.</exception>
        /// <exception cref="FiksTransportException">The API could not be reached in time.</exception>
        public FiksResponse Send(string method, string path, string body = null, TimeSpan? timeout = null)
        {
            return Send(method, path, body == null ? null : Encoding.UTF8.GetBytes(body), null, timeout);
        }

        /// <summary>
        /// Calls the Fiks API with a byte body and extra request headers (e.g. <c>Accept</c>); the Fiks headers are
        /// added by the library. The body is sent as <c>application/json</c> unless <paramref name="headers"/> hold a
        /// <c>Content-Type</c>, which replaces it (exactly one is sent). Header names and values are checked by the
        /// native library (an RFC 9110 token; no CR, LF or other control character: else
        /// <see cref="FiksErrorKind.InvalidArgument"/>); headers named like the Fiks headers are ignored.
        /// </summary>
        /// <param name="method">An HTTP method, e.g. <c>PUT</c>.</param>
        /// <param name="path">A path under <c>fiks_base_url</c>.</param>
        /// <param name="body">The body, or null for none.</param>
        /// <param name="headers">Extra headers, or null.</param>
        /// <param name="timeout">The deadline of the whole call, retries and waits included; null keeps <c>retry_deadline_seconds</c>.</param>
        public FiksResponse Send(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            TimeSpan? timeout = null)
        {
            byte[] m = Utf8.ToNative(method, "method");
            byte[] p = Utf8.ToNative(path, "path");
            KeyValuePair<string, string>[] list = headers == null ? null : headers.ToArray();
            ThrowIfDisposed();
            IntPtr request = BuildRequest(m, p, body, list, timeout);
            try
            {
                IntPtr error;
                ResponseHandle response;
                FiksStatus status = NativeMethods.fiks_client_send(_handle, request, out response, out error);
                ErrorMapper.Check(status, error);
                using (response)
                {
                    return ReadResponse(response);
                }
            }
            finally
            {
                NativeMethods.fiks_request_free(request);
            }
        }

        /// <summary><see cref="Send(string, string, string, TimeSpan?)"/> with an <see cref="HttpMethod"/>.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="method"/> or <paramref name="path"/> is null.</exception>
        public FiksResponse Send(HttpMethod method, string path, string body = null, TimeSpan? timeout = null)
        {
            return Send(MethodName(method), path, body, timeout);
        }

        /// <summary><see cref="Send(string, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?)"/> with an <see cref="HttpMethod"/>.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="method"/> or <paramref name="path"/> is null.</exception>
        public FiksResponse Send(HttpMethod method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            TimeSpan? timeout = null)
        {
            return Send(MethodName(method), path, body, headers, timeout);
        }

        /// <summary>
        /// <see cref="Send(string, string, string, TimeSpan?)"/> without blocking a thread: the native library makes the
        /// call (token fetch, retries and waits included) on its own I/O thread and the task completes with the answer.
        /// </summary>
        /// <param name="method">An HTTP method, e.g. <c>GET</c>.</param>
        /// <param name="path">A path under <c>fiks_base_url</c>.</param>
        /// <param name="body">The JSON body, or null for none.</param>
        /// <param name="timeout">The deadline of the whole call; null keeps <c>retry_deadline_seconds</c>.</param>
        /// <param name="cancellationToken">Cancels the call (a request under way is dropped): the task ends
        /// <see cref="TaskStatus.Canceled"/>.</param>
        /// <exception cref="ArgumentNullException"><paramref name="method"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="FiksApiException">(In the task.) The API answered non-2xx.</exception>
        /// <exception cref="ObjectDisposedException">(In the task.) The client is disposed, or was disposed while the call was pending.</exception>
        public Task<FiksResponse> SendAsync(string method, string path, string body = null, TimeSpan? timeout = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckRequestArguments(method, path);
            return SendAsync(method, path, body == null ? null : Encoding.UTF8.GetBytes(body), null, timeout, cancellationToken);
        }

        /// <summary>
        /// <see cref="Send(string, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?)"/> without
        /// blocking a thread (see <see cref="SendAsync(string, string, string, TimeSpan?, CancellationToken)"/>).
        /// A request the native library refuses to build (a header name or value it does not accept) faults the task.
        /// </summary>
        /// <param name="method">An HTTP method, e.g. <c>PUT</c>.</param>
        /// <param name="path">A path under <c>fiks_base_url</c>.</param>
        /// <param name="body">The body, or null for none.</param>
        /// <param name="headers">Extra headers, or null.</param>
        /// <param name="timeout">The deadline of the whole call; null keeps <c>retry_deadline_seconds</c>.</param>
        /// <param name="cancellationToken">Cancels the call: the task ends <see cref="TaskStatus.Canceled"/>.</param>
        /// <exception cref="ArgumentNullException"><paramref name="method"/> or <paramref name="path"/> is null.</exception>
        public Task<FiksResponse> SendAsync(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            TimeSpan? timeout = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendBuiltAsync(method, path, body, headers, timeout, null, null, cancellationToken);
        }

        /// <summary><see cref="SendAsync(string, string, string, TimeSpan?, CancellationToken)"/> with an <see cref="HttpMethod"/>.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="method"/> or <paramref name="path"/> is null.</exception>
        public Task<FiksResponse> SendAsync(HttpMethod method, string path, string body = null, TimeSpan? timeout = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendAsync(MethodName(method), path, body, timeout, cancellationToken);
        }

        /// <summary><see cref="SendAsync(string, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?, CancellationToken)"/>
        /// with an <see cref="HttpMethod"/>.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="method"/> or <paramref name="path"/> is null.</exception>
        public Task<FiksResponse> SendAsync(HttpMethod method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            TimeSpan? timeout = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendAsync(MethodName(method), path, body, headers, timeout, cancellationToken);
        }

        /// <summary>
        /// <see cref="Send(string, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?)"/> to the service
        /// <paramref name="service"/> (<c>svarut</c>, or one of <see cref="FiksClientOptions.SetService"/> /
        /// <c>[services]</c>): <paramref name="path"/> is joined onto that service's base URL. An unknown service is a
        /// <see cref="FiksException"/> of kind <see cref="FiksErrorKind.Usage"/>.
        /// </summary>
        public FiksResponse Send(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, TimeSpan? timeout,
            string service)
        {
            return SendBuilt(method, path, body, headers, timeout, service, null);
        }

        /// <summary>
        /// Sends a <c>multipart/form-data</c> body (<see cref="FiksMultipart"/>) to <paramref name="path"/> of
        /// <paramref name="service"/> (null: <c>fiks</c>), with the Fiks headers.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="multipart"/> is null.</exception>
        public FiksResponse Send(string method, string path, FiksMultipart multipart, string service = null, TimeSpan? timeout = null)
        {
            if (multipart == null) throw new ArgumentNullException("multipart");
            return SendBuilt(method, path, null, null, timeout, service, multipart);
        }

        private FiksResponse SendBuilt(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, TimeSpan? timeout,
            string service, FiksMultipart multipart)
        {
            byte[] m = Utf8.ToNative(method, "method");
            byte[] p = Utf8.ToNative(path, "path");
            byte[] s = Utf8.ToNativeOrNull(service, "service");
            KeyValuePair<string, string>[] list = headers == null ? null : headers.ToArray();
            ThrowIfDisposed();
            IntPtr request = BuildRequest(m, p, body, list, timeout, s, multipart);
            try
            {
                IntPtr error;
                ResponseHandle response;
                FiksStatus status = NativeMethods.fiks_client_send(_handle, request, out response, out error);
                ErrorMapper.Check(status, error);
                using (response)
                {
                    return ReadResponse(response);
                }
            }
            finally
            {
                NativeMethods.fiks_request_free(request);
            }
        }

        /// <summary><see cref="Send(string, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?, string)"/> without
        /// blocking a thread.</summary>
        public Task<FiksResponse> SendAsync(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers,
            TimeSpan? timeout, string service, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendBuiltAsync(method, path, body, headers, timeout, service, null, cancellationToken);
        }

        /// <summary><see cref="Send(string, string, FiksMultipart, string, TimeSpan?)"/> without blocking a thread.</summary>
        public Task<FiksResponse> SendAsync(string method, string path, FiksMultipart multipart, string service = null, TimeSpan? timeout = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            if (multipart == null) throw new ArgumentNullException("multipart");
            return SendBuiltAsync(method, path, null, null, timeout, service, multipart, cancellationToken);
        }

        private Task<FiksResponse> SendBuiltAsync(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers,
            TimeSpan? timeout, string service, FiksMultipart multipart, CancellationToken cancellationToken)
        {
            byte[] m = Utf8.ToNative(method, "method");
            byte[] p = Utf8.ToNative(path, "path");
            byte[] s = Utf8.ToNativeOrNull(service, "service");
            KeyValuePair<string, string>[] list = headers == null ? null : headers.ToArray();
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<FiksResponse>(cancellationToken);
            }
            if (IsDisposed)
            {
                return Disposed<FiksResponse>();
            }
            IntPtr request;
            try
            {
                request = BuildRequest(m, p, body, list, timeout, s, multipart);
            }
            catch (FiksException e)
            {
                return PendingCall<FiksResponse>.Faulted(e);
            }
            try
            {
                ClientHandle handle = _handle;
                return PendingCall<FiksResponse>.Start(handle, cancellationToken,
                    (IntPtr userData, out IntPtr call, out IntPtr error) => NativeMethods.fiks_client_send_async(
                        handle, request, PendingCall.ResponseCallback, userData, out call, out error),
                    TakeResponse, PendingCall.FreeResponse);
            }
            finally
            {
                NativeMethods.fiks_request_free(request);
            }
        }

        // ---- one client for many integrasjoner and citizens ------------------------------------

        /// <summary>
        /// A client speaking as another integrasjon (the supplier case): it sends its own <c>IntegrasjonId</c> and
        /// <c>IntegrasjonPassord</c> and shares this client's certificate, Maskinporten token, connections and
        /// native thread, so many of them cause one token request. Dispose it like any client; it stays usable
        /// after this one is disposed. A malformed id or empty password: <see cref="FiksConfigurationException"/>.
        /// </summary>
        public FiksClient ForIntegrasjon(string integrasjonId, string integrasjonPassord)
        {
            byte[] id = Utf8.ToNative(integrasjonId, "integrasjonId");
            byte[] passord = Utf8.ToNative(integrasjonPassord, "integrasjonPassord");
            try
            {
                ThrowIfDisposed();
                ClientHandle child;
                IntPtr error;
                FiksStatus status = NativeMethods.fiks_client_for_integrasjon(_handle, id, passord, out child, out error);
                return Adopt(status, child, error);
            }
            finally
            {
                Utf8.Clear(passord);
            }
        }

        /// <summary>
        /// <see cref="ForIntegrasjon(string, string)"/> with an integrasjon named in the configuration
        /// (<see cref="FiksClientOptions.SetIntegrasjon"/> or <c>[integrasjoner.NAME]</c>). An unknown name:
        /// <see cref="FiksConfigurationException"/> whose message lists the configured names.
        /// </summary>
        public FiksClient ForIntegrasjon(string name)
        {
            byte[] n = Utf8.ToNative(name, "name");
            ThrowIfDisposed();
            ClientHandle child;
            IntPtr error;
            FiksStatus status = NativeMethods.fiks_client_for_integrasjon_named(_handle, n, out child, out error);
            return Adopt(status, child, error);
        }

        /// <summary>
        /// A client speaking for a citizen (integrasjon-person): this client's integrasjon with
        /// <c>Authorization: Bearer</c> <paramref name="personToken"/> (the citizen's ID-porten token); it never asks
        /// Maskinporten. Dispose it when the citizen's session ends; it stays usable after this one is disposed.
        /// </summary>
        public FiksClient AsPerson(string personToken)
        {
            byte[] token = Utf8.ToNative(personToken, "personToken");
            try
            {
                ThrowIfDisposed();
                ClientHandle child;
                IntPtr error;
                FiksStatus status = NativeMethods.fiks_client_as_person(_handle, token, out child, out error);
                return Adopt(status, child, error);
            }
            finally
            {
                Utf8.Clear(token);
            }
        }

        private static FiksClient Adopt(FiksStatus status, ClientHandle child, IntPtr error)
        {
            if (status != FiksStatus.Ok && child != null)
            {
                child.Dispose();
            }
            ErrorMapper.Check(status, error);
            child.Track();
            return new FiksClient(child);
        }

        /// <summary>
        /// The Fiks IO AMQP login of this client's integrasjon (the token fetched when none is fresh). A citizen's
        /// client (<see cref="AsPerson"/>) gets a <see cref="FiksException"/> of kind <see cref="FiksErrorKind.Usage"/>.
        /// </summary>
        public FiksIoCredentials GetFiksIoCredentials()
        {
            ThrowIfDisposed();
            IntPtr user, password, error;
            long expires, renew;
            FiksStatus status = NativeMethods.fiks_client_fiks_io_credentials(_handle, out user, out password, out expires, out renew, out error);
            ErrorMapper.Check(status, error);
            string u = Utf8.TakeOwned(user);
            string p = Utf8.TakeOwned(password);
            return new FiksIoCredentials(u, p, DateTimeOffset.FromUnixTimeSeconds(expires), DateTimeOffset.FromUnixTimeSeconds(renew));
        }

        private static string MethodName(HttpMethod method)
        {
            if (method == null)
            {
                throw new ArgumentNullException("method");
            }
            return method.Method;
        }

        /// <summary>Builds a <c>fiks_request*</c> (the caller frees it); the native library checks every part.</summary>
        private static IntPtr BuildRequest(byte[] method, byte[] path, byte[] body, KeyValuePair<string, string>[] headers, TimeSpan? timeout)
        {
            return BuildRequest(method, path, body, headers, timeout, null, null);
        }

        /// <summary>Like the other BuildRequest, sent to <paramref name="service"/> (null: <c>fiks</c>) with a multipart body when given.</summary>
        private static IntPtr BuildRequest(byte[] method, byte[] path, byte[] body, KeyValuePair<string, string>[] headers, TimeSpan? timeout,
            byte[] service, FiksMultipart multipart)
        {
            IntPtr error;
            IntPtr request;
            ErrorMapper.Check(NativeMethods.fiks_request_new(method, path, out request, out error), error);
            try
            {
                if (body != null)
                {
                    ErrorMapper.Check(NativeMethods.fiks_request_set_body(request, body, new UIntPtr((uint)body.Length), null, out error), error);
                }
                if (headers != null)
                {
                    foreach (KeyValuePair<string, string> header in headers)
                    {
                        FiksStatus added = NativeMethods.fiks_request_set_header(request,
                            Utf8.ToNative(header.Key, "headers"), Utf8.ToNative(header.Value, "headers"), out error);
                        ErrorMapper.Check(added, error);
                    }
                }
                if (timeout.HasValue)
                {
                    ErrorMapper.Check(NativeMethods.fiks_request_set_timeout_ms(request, Milliseconds(timeout.Value), out error), error);
                }
                if (service != null)
                {
                    ErrorMapper.Check(NativeMethods.fiks_request_set_service(request, service, out error), error);
                }
                if (multipart != null)
                {
                    multipart.Attach(request);
                }
                return request;
            }
            catch
            {
                NativeMethods.fiks_request_free(request);
                throw;
            }
        }

        /// <summary>Reads and frees a <c>fiks_response*</c> a completion callback received.</summary>
        private static FiksResponse TakeOwnedResponse(IntPtr pointer)
        {
            using (ResponseHandle response = ResponseHandle.Adopt(pointer))
            {
                return ReadResponse(response);
            }
        }

        /// <summary>
        /// A timeout in whole milliseconds, rounded up; 0 for zero or negative. The native library decides which
        /// values it accepts (it refuses 0 and more than a day).
        /// </summary>
        private static ulong Milliseconds(TimeSpan timeout)
        {
            if (timeout.Ticks <= 0)
            {
                return 0;
            }
            return (ulong)((timeout.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
        }

        private static void CheckRequestArguments(string method, string path)
        {
            if (method == null)
            {
                throw new ArgumentNullException("method");
            }
            if (path == null)
            {
                throw new ArgumentNullException("path");
            }
        }

        private static FiksResponse ReadResponse(ResponseHandle response)
        {
            int statusCode = NativeMethods.fiks_response_status(response);
            UIntPtr length;
            IntPtr data = NativeMethods.fiks_response_body(response, out length);
            byte[] body = Utf8.CopyBytes(data, length);
            var headers = new List<KeyValuePair<string, string>>();
            ulong count = NativeMethods.fiks_response_headers_count(response).ToUInt64();
            for (ulong i = 0; i < count; i++)
            {
                var index = new UIntPtr(i);
                string name = Utf8.FromNative(NativeMethods.fiks_response_header_name(response, index));
                string value = Utf8.FromNative(NativeMethods.fiks_response_header_value(response, index));
                if (name != null)
                {
                    headers.Add(new KeyValuePair<string, string>(name, value ?? string.Empty));
                }
            }
            return new FiksResponse(statusCode, body, headers);
        }

        // ---- lifetime ----------------------------------------------------------------------------

        /// <summary>Frees the native client. Synchronous calls still running on other threads finish first; the
        /// <c>…Async</c> calls still pending end, before this returns, with an <see cref="ObjectDisposedException"/>
        /// in their task (not a cancellation: nobody asked to cancel them). Later calls throw
        /// <see cref="ObjectDisposedException"/> (the <c>…Async</c> ones in their task). Calling it again does nothing.</summary>
        public void Dispose()
        {
            Volatile.Write(ref _disposed, 1);
            _handle.Dispose();
        }

        /// <summary>Whether <see cref="Dispose"/> was called.</summary>
        public bool IsDisposed
        {
            get { return Volatile.Read(ref _disposed) != 0; }
        }

        /// <summary>A description without any secret.</summary>
        public override string ToString()
        {
            return IsDisposed ? "FiksClient (disposed)" : "FiksClient";
        }

        private void ThrowIfDisposed()
        {
            // The flag, not SafeHandle.IsClosed: a handle disposed while a call is in flight may
            // report IsClosed only once that call has released it (Mono).
            if (IsDisposed)
            {
                throw new ObjectDisposedException(typeof(FiksClient).FullName);
            }
        }

        // ---- helpers -----------------------------------------------------------------------------

        private static ClientHandle Build(FiksClientOptions options, string configFile, EnvironmentLayer environment)
        {
            using (ConfigHandle config = ConfigHandle.Create())
            {
                IntPtr error;
                if (configFile != null)
                {
                    ErrorMapper.Check(NativeMethods.fiks_config_load_file(config, Utf8.ToNative(configFile, "ConfigFile"), out error), error);
                }
                if (options.TomlText != null)
                {
                    byte[] toml = Utf8.ToNative(options.TomlText, "TomlText");
                    try
                    {
                        ErrorMapper.Check(NativeMethods.fiks_config_load_toml(config, toml, out error), error);
                    }
                    finally
                    {
                        Utf8.Clear(toml);
                    }
                }
                if (environment == EnvironmentLayer.Variables)
                {
                    ErrorMapper.Check(NativeMethods.fiks_config_load_env(config, out error), error);
                }
                else if (environment == EnvironmentLayer.VariablesAndConfigFile)
                {
                    ErrorMapper.Check(NativeMethods.fiks_config_load_env_with_file(config, out error), error);
                }
                foreach (KeyValuePair<string, string> kv in options.Values)
                {
                    byte[] key = Utf8.ToNative(kv.Key, "key");
                    byte[] value = Utf8.ToNative(kv.Value, kv.Key);
                    try
                    {
                        ErrorMapper.Check(NativeMethods.fiks_config_set(config, key, value, out error), error);
                    }
                    finally
                    {
                        Utf8.Clear(value);
                    }
                }
                foreach (KeyValuePair<string, KeyValuePair<string, string>> kv in options.IntegrasjonEntries)
                {
                    byte[] passord = Utf8.ToNative(kv.Value.Value, "integrasjonPassord");
                    try
                    {
                        ErrorMapper.Check(NativeMethods.fiks_config_set_integrasjon(config, Utf8.ToNative(kv.Key, "name"),
                            Utf8.ToNative(kv.Value.Key, "integrasjonId"), passord, out error), error);
                    }
                    finally
                    {
                        Utf8.Clear(passord);
                    }
                }
                foreach (KeyValuePair<string, string> kv in options.ServiceEntries)
                {
                    ErrorMapper.Check(NativeMethods.fiks_config_set_service(config, Utf8.ToNative(kv.Key, "name"),
                        Utf8.ToNative(kv.Value, "baseUrl"), out error), error);
                }
                SetInMemoryCertificate(config, options);

                ClientHandle client;
                FiksStatus status = NativeMethods.fiks_client_new(config, out client, out error);
                if (status != FiksStatus.Ok && client != null)
                {
                    client.Dispose();
                }
                ErrorMapper.Check(status, error);
                client.Track();
                return client;
            }
        }

        /// <summary>
        /// The in-memory certificate and key of <paramref name="options"/>: PKCS#12 bytes as they are; an
        /// <see cref="X509Certificate2"/> as its certificates (PEM, for <c>x5c</c>) with its key, or
        /// <see cref="FiksClientOptions.Signer"/>, as the signer. No key is ever exported. The native library decides
        /// what goes together (a signer with PKCS#12, with <c>private_key</c>, without a certificate or <c>key_id</c>).
        /// </summary>
        private static void SetInMemoryCertificate(ConfigHandle config, FiksClientOptions options)
        {
            if (options.ClientCertificate != null && options.CertificatePkcs12 != null)
            {
                throw new FiksConfigurationException(
                    "Both ClientCertificate and CertificatePkcs12 are set: give the virksomhetssertifikat once.");
            }
            IntPtr error;
            if (options.CertificatePkcs12 != null)
            {
                byte[] data = (byte[])options.CertificatePkcs12.Clone();
                byte[] pw = Utf8.ToNativeOrNull(options.CertificatePassword, "CertificatePassword");
                try
                {
                    FiksStatus status = NativeMethods.fiks_config_set_certificate_pkcs12(config, data, new UIntPtr((uint)data.Length), pw, out error);
                    ErrorMapper.Check(status, error);
                }
                finally
                {
                    Utf8.Clear(data);
                    Utf8.Clear(pw);
                }
            }
            RSA key = options.Signer;
            bool ownsKey = false;
            if (options.ClientCertificate != null)
            {
                byte[] pem = Utf8.ToNative(CertificatesPem(options.ClientCertificate, options.ClientCertificateChain), "ClientCertificate");
                ErrorMapper.Check(NativeMethods.fiks_config_set(config, Utf8.ToNative("certificate", "key"), pem, out error), error);
                if (key == null)
                {
                    key = CertificateKey(options.ClientCertificate);
                    ownsKey = true;
                }
            }
            if (key != null)
            {
                SignerBridge.Attach(config, key, ownsKey);
            }
        }

        /// <summary>The certificate's own RSA key, which the caller owns (a new object; it is not exported).</summary>
        private static RSA CertificateKey(X509Certificate2 certificate)
        {
            bool hasKey;
            try
            {
                hasKey = certificate.HasPrivateKey;
            }
            catch (CryptographicException e)
            {
                throw new FiksCertificateException("The ClientCertificate cannot be read: " + e.Message, e);
            }
            if (!hasKey)
            {
                throw new FiksCertificateException(
                    "The ClientCertificate has no private key: load the virksomhetssertifikat from its .p12/.pfx file "
                    + "(or the certificate store) together with its key, or give the key with FiksClientOptions.SetSigner.");
            }
            RSA key;
            try
            {
                key = certificate.GetRSAPrivateKey();
            }
            catch (CryptographicException e)
            {
                throw new FiksCertificateException("The ClientCertificate's private key cannot be opened: " + e.Message, e);
            }
            if (key == null)
            {
                throw new FiksCertificateException(
                    "The ClientCertificate's private key is not an RSA key: Maskinporten grants are signed RS256.");
            }
            return key;
        }

        /// <summary>
        /// The leaf and then the intermediates (the leaf's duplicates left out) as PEM <c>CERTIFICATE</c> blocks:
        /// certificates only, never a key. The native library reads them as the <c>certificate</c> key.
        /// </summary>
        private static string CertificatesPem(X509Certificate2 certificate, X509Certificate2Collection chain)
        {
            var pem = new StringBuilder();
            AppendPem(pem, certificate);
            if (chain != null)
            {
                foreach (X509Certificate2 c in chain)
                {
                    if (c != null && !string.Equals(c.Thumbprint, certificate.Thumbprint, StringComparison.OrdinalIgnoreCase))
                    {
                        AppendPem(pem, c);
                    }
                }
            }
            return pem.ToString();
        }

        private static void AppendPem(StringBuilder pem, X509Certificate2 certificate)
        {
            byte[] der;
            try
            {
                der = certificate.RawData;
            }
            catch (CryptographicException e)
            {
                throw new FiksCertificateException("The ClientCertificate cannot be read: " + e.Message, e);
            }
            string base64 = Convert.ToBase64String(der);
            pem.Append("-----BEGIN CERTIFICATE-----\n");
            for (int i = 0; i < base64.Length; i += 64)
            {
                pem.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
            }
            pem.Append("-----END CERTIFICATE-----\n");
        }

        private static string JoinScopes(IEnumerable<string> scopes)
        {
            if (scopes == null)
            {
                throw new ArgumentNullException("scopes");
            }
            var parts = new List<string>();
            foreach (string s in scopes)
            {
                if (s == null)
                {
                    throw new ArgumentException("The scopes contain null.", "scopes");
                }
                if (s.Trim().Length > 0)
                {
                    parts.Add(s.Trim());
                }
            }
            if (parts.Count == 0)
            {
                throw new ArgumentException("Give at least one scope, e.g. ks:fiks.", "scopes");
            }
            return string.Join(" ", parts);
        }
    }
}
