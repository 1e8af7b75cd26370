using System;
using System.Collections.Generic;
using System.Linq;
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
    /// <para>The synchronous methods block on the network; the <c>…Async</c> methods run the same
    /// work on the thread pool. Failures are thrown as <see cref="FiksException"/> subclasses.</para>
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
    public sealed class FiksClient : IDisposable
    {
        private readonly ClientHandle _handle;
        private int _disposed;

        /// <summary>
        /// Creates a client from <paramref name="options"/> (and its <see cref="FiksClientOptions.ConfigFile"/>
        /// and environment variables when asked for). Reads the certificate at once, so a wrong path or
        /// password fails here, not at the first call. No network call is made.
        /// </summary>
        /// <exception cref="FiksConfigurationException">A key is missing, malformed or combined wrongly.</exception>
        /// <exception cref="FiksCertificateException">The certificate or key cannot be used.</exception>
        public FiksClient(FiksClientOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            _handle = Build(options, options.ConfigFile, options.UseEnvironmentVariables);
        }

        private FiksClient(ClientHandle handle)
        {
            _handle = handle;
        }

        /// <summary>
        /// Creates a client from a TOML configuration file (the snake_case keys), with
        /// <c>FIKS_&lt;KEY&gt;</c> environment variables over it.
        /// </summary>
        /// <exception cref="FiksConfigurationException">The file cannot be read, is not TOML, or a key is wrong.</exception>
        /// <exception cref="FiksCertificateException">The certificate or key cannot be used.</exception>
        public static FiksClient FromFile(string path)
        {
            if (path == null)
            {
                throw new ArgumentNullException("path");
            }
            return new FiksClient(Build(new FiksClientOptions(), path, true));
        }

        /// <summary>Creates a client from <c>FIKS_&lt;KEY&gt;</c> environment variables only.</summary>
        public static FiksClient FromEnvironment()
        {
            return new FiksClient(Build(new FiksClientOptions(), null, true));
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
        /// <see cref="GetAccessToken()"/> on the thread pool. Cancelling stops waiting (the request already
        /// sent completes in the background and fills the cache).
        /// </summary>
        public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetAccessToken(), cancellationToken);
        }

        /// <summary><see cref="GetAccessToken(IEnumerable{string})"/> on the thread pool.</summary>
        public Task<string> GetAccessTokenAsync(IEnumerable<string> scopes, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (scopes == null)
            {
                throw new ArgumentNullException("scopes");
            }
            string[] list = scopes.ToArray();
            return RunAsync(() => GetAccessToken(list), cancellationToken);
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

        /// <summary><see cref="GetHeaders"/> on the thread pool.</summary>
        public Task<IReadOnlyDictionary<string, string>> GetHeadersAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetHeaders(), cancellationToken);
        }

        // ---- requests ----------------------------------------------------------------------------

        /// <summary>
        /// Calls the Fiks API: <paramref name="path"/> is relative to <c>fiks_base_url</c>; a
        /// <paramref name="body"/> is sent as <c>application/json</c>. Retryable failures (503, 429 with
        /// <c>Retry-After</c>, dropped connections) are retried with backoff.
        /// </summary>
        /// <exception cref="FiksApiException">The API answered non-2xx; carries the Fiks error fields.</exception>
        /// <exception cref="FiksTokenException">No token could be had.</exception>
        /// <exception cref="FiksTransportException">The API could not be reached in time.</exception>
        public FiksResponse Send(string method, string path, string body = null)
        {
            return Send(method, path, body == null ? null : Encoding.UTF8.GetBytes(body), null);
        }

        /// <summary>
        /// Calls the Fiks API with a byte body and extra request headers (e.g. <c>Accept</c>); the Fiks
        /// headers are added by the library.
        /// </summary>
        public FiksResponse Send(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null)
        {
            byte[] m = Utf8.ToNative(method, "method");
            byte[] p = Utf8.ToNative(path, "path");
            var length = new UIntPtr((uint)(body == null ? 0 : body.Length));
            ThrowIfDisposed();
            ResponseHandle response;
            IntPtr error;
            FiksStatus status;
            if (headers == null)
            {
                status = NativeMethods.fiks_client_request(_handle, m, p, body, length, out response, out error);
            }
            else
            {
                KeyValuePair<string, string>[] list = headers.ToArray();
                IntPtr[] names = null;
                IntPtr[] values = null;
                try
                {
                    names = Utf8.AllocArray(list.Select(h => h.Key).ToArray(), "headers");
                    values = Utf8.AllocArray(list.Select(h => h.Value).ToArray(), "headers");
                    status = NativeMethods.fiks_client_request_with_headers(_handle, m, p, names, values,
                        new UIntPtr((uint)list.Length), body, length, out response, out error);
                }
                finally
                {
                    Utf8.FreeArray(names);
                    Utf8.FreeArray(values);
                }
            }
            ErrorMapper.Check(status, error);
            using (response)
            {
                return ReadResponse(response);
            }
        }

        /// <summary><see cref="Send(string, string, string)"/> on the thread pool.</summary>
        public Task<FiksResponse> SendAsync(string method, string path, string body = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckRequestArguments(method, path);
            return RunAsync(() => Send(method, path, body), cancellationToken);
        }

        /// <summary><see cref="Send(string, string, byte[], IEnumerable{KeyValuePair{string, string}})"/> on the thread pool.</summary>
        public Task<FiksResponse> SendAsync(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckRequestArguments(method, path);
            KeyValuePair<string, string>[] list = headers == null ? null : headers.ToArray();
            return RunAsync(() => Send(method, path, body, list), cancellationToken);
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

        /// <summary>Frees the native client. Calls still running on other threads finish first; later calls
        /// throw <see cref="ObjectDisposedException"/>. Calling it again does nothing.</summary>
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

        private static ClientHandle Build(FiksClientOptions options, string configFile, bool environment)
        {
            using (ConfigHandle config = ConfigHandle.Create())
            {
                IntPtr error;
                if (configFile != null)
                {
                    ErrorMapper.Check(NativeMethods.fiks_config_load_file(config, Utf8.ToNative(configFile, "ConfigFile"), out error), error);
                }
                if (environment)
                {
                    ErrorMapper.Check(NativeMethods.fiks_config_load_env(config, out error), error);
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

        private static void SetInMemoryCertificate(ConfigHandle config, FiksClientOptions options)
        {
            if (options.ClientCertificate == null && options.CertificatePkcs12 == null)
            {
                return;
            }
            if (options.ClientCertificate != null && options.CertificatePkcs12 != null)
            {
                throw new FiksConfigurationException(
                    "Both ClientCertificate and CertificatePkcs12 are set: give the virksomhetssertifikat once.");
            }
            byte[] data;
            string password;
            if (options.ClientCertificate != null)
            {
                password = RandomPassword();
                data = ExportPkcs12(options.ClientCertificate, options.ClientCertificateChain, password);
            }
            else
            {
                data = (byte[])options.CertificatePkcs12.Clone();
                password = options.CertificatePassword;
            }
            byte[] pw = Utf8.ToNativeOrNull(password, "CertificatePassword");
            try
            {
                IntPtr error;
                FiksStatus status = NativeMethods.fiks_config_set_certificate_pkcs12(config, data, new UIntPtr((uint)data.Length), pw, out error);
                ErrorMapper.Check(status, error);
            }
            finally
            {
                Utf8.Clear(data);
                Utf8.Clear(pw);
            }
        }

        private static byte[] ExportPkcs12(X509Certificate2 certificate, X509Certificate2Collection chain, string password)
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
                    + "(or the certificate store) together with its key, with X509KeyStorageFlags.Exportable.");
            }
            try
            {
                if (chain == null || chain.Count == 0)
                {
                    return certificate.Export(X509ContentType.Pkcs12, password);
                }
                var all = new X509Certificate2Collection();
                all.Add(certificate);
                foreach (X509Certificate2 c in chain)
                {
                    if (c != null && !string.Equals(c.Thumbprint, certificate.Thumbprint, StringComparison.OrdinalIgnoreCase))
                    {
                        all.Add(c);
                    }
                }
                return all.Export(X509ContentType.Pkcs12, password);
            }
            catch (CryptographicException e)
            {
                throw new FiksCertificateException(
                    "The ClientCertificate's private key cannot be exported: load it with X509KeyStorageFlags.Exportable "
                    + "(the key must leave the certificate store to sign Maskinporten grants). " + e.Message, e);
            }
        }

        private static string RandomPassword()
        {
            var bytes = new byte[24];
            using (RandomNumberGenerator rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(bytes);
            }
            return Convert.ToBase64String(bytes);
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

        /// <summary>
        /// Runs a blocking native call on the thread pool. Cancellation before the start skips the call;
        /// cancellation while it runs ends the wait (the native call cannot be interrupted, it finishes in
        /// the background and its result or error is dropped).
        /// </summary>
        private Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<T>(cancellationToken);
            }
            if (IsDisposed)
            {
                var failed = new TaskCompletionSource<T>();
                failed.SetException(new ObjectDisposedException(typeof(FiksClient).FullName));
                return failed.Task;
            }
            Task<T> task = Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
            if (!cancellationToken.CanBeCanceled)
            {
                return task;
            }
            return WithCancellation(task, cancellationToken);
        }

        private static async Task<T> WithCancellation<T>(Task<T> task, CancellationToken cancellationToken)
        {
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(state => ((TaskCompletionSource<bool>)state).TrySetResult(true), cancelled))
            {
                Task first = await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false);
                if (first != task)
                {
                    Observe(task);
                    throw new OperationCanceledException(cancellationToken);
                }
            }
            return await task.ConfigureAwait(false);
        }

        /// <summary>Reads an abandoned call's error so it never surfaces as an unobserved task exception.</summary>
        private static void Observe(Task task)
        {
            task.ContinueWith(t => { var ignored = t.Exception; }, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
