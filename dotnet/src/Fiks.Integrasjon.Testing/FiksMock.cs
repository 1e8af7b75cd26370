using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Fiks.Integrasjon.Testing
{
    /// <summary>
    /// A running <c>fiks-integrasjon-mock</c>: a strict local Maskinporten and KS Fiks API with its
    /// own test PKI, for your unit tests. <see cref="Start(FiksMockOptions)"/> runs the program the
    /// Fiks.Integrasjon.Testing package carries (see <see cref="FiksMockOptions.MockPath"/>) in a new
    /// temporary directory and waits until it listens; <see cref="CreateClient"/> gives a
    /// <see cref="FiksClient"/> for it, and the control methods (<see cref="Fault"/>,
    /// <see cref="Counters"/>, <see cref="Reset"/>, …) steer it. <see cref="Dispose"/> stops it
    /// and removes the directory.
    /// </summary>
    /// <remarks>
    /// The mock's standard input is a pipe this object holds and the mock runs with
    /// <c>--exit-on-stdin-close</c>, so it stops when the test process ends, however it ends.
    /// One mock per test class (an xunit class fixture, NUnit <c>[OneTimeSetUp]</c>) with
    /// <see cref="Reset"/> before each test is fast; one per test works too. The members are safe
    /// to call from several threads.
    /// </remarks>
    /// <example>
    /// <code>
    /// using (var mock = FiksMock.Start())
    /// using (var client = mock.CreateClient())
    /// {
    ///     mock.Fault("fiks", 1, "503");                            // the next Fiks request gets 503
    ///     var r = client.Send("GET", "/echo");                     // ... and GET is retried
    ///     Assert.Equal(200, r.StatusCode);
    ///     Assert.Equal(1, mock.Counters()["token_requests"]);
    /// }
    /// </code>
    /// </example>
    public sealed class FiksMock : IDisposable
    {
        private readonly Process _process;
        private readonly Thread _stdoutReader;
        private readonly StringBuilder _log = new StringBuilder();
        private readonly TaskCompletionSource<string> _firstLine = new TaskCompletionSource<string>();
        private readonly bool _ownDirectory;
        private readonly TimeSpan _stopTimeout;
        private IReadOnlyDictionary<string, string> _info = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());
        private HttpClient _control;
        private int _disposed;

        private FiksMock(FiksMockOptions options)
        {
            foreach (string a in options.Arguments)
            {
                if (a == "--dir" || a == "--exit-on-stdin-close" || (a != null && a.StartsWith("--dir=", StringComparison.Ordinal)))
                {
                    throw new ArgumentException("FiksMockOptions.Arguments must not hold " + a + ": FiksMock sets it (use FiksMockOptions.Directory)", "options");
                }
                if (a == null)
                {
                    throw new ArgumentException("FiksMockOptions.Arguments holds null", "options");
                }
            }
            MockPath = MockProgram.Find(options.MockPath);
            _stopTimeout = options.StopTimeout;
            _ownDirectory = string.IsNullOrEmpty(options.Directory);
            Directory = _ownDirectory
                ? Path.Combine(Path.GetTempPath(), "fiks-mock-" + Guid.NewGuid().ToString("N").Substring(0, 16))
                : Path.GetFullPath(options.Directory);
            System.IO.Directory.CreateDirectory(Directory);

            var info = new ProcessStartInfo(MockPath, Arguments(Directory, options.Arguments))
            {
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
            };
            try
            {
                _process = MockProgram.Start(info, Directory);
                MockPath = info.FileName;
            }
            catch
            {
                RemoveDirectory();
                throw;
            }
            ProcessId = _process.Id;
            _process.ErrorDataReceived += (s, e) =>
            {
                if (e.Data != null)
                {
                    lock (_log)
                    {
                        _log.Append(e.Data).Append('\n');
                    }
                }
            };
            _process.BeginErrorReadLine();
            _stdoutReader = new Thread(ReadStdout) { IsBackground = true, Name = "fiks-mock-stdout" };
            _stdoutReader.Start();
            try
            {
                _info = WaitUntilReady(options.StartTimeout);
                _control = NewControlClient();
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>
        /// Starts the mock and waits (at most <see cref="FiksMockOptions.StartTimeout"/>, 30 s by
        /// default) until it prints its JSON line.
        /// </summary>
        /// <param name="options">How to start it, or <c>null</c> for the defaults.</param>
        /// <returns>The running mock; dispose it to stop it.</returns>
        /// <exception cref="FileNotFoundException">The mock program was not found (the message says where it looked and what to do).</exception>
        /// <exception cref="FiksMockStartException">The program ran but did not become ready; its standard error is in the message.</exception>
        public static FiksMock Start(FiksMockOptions options = null)
        {
            return new FiksMock(options ?? new FiksMockOptions());
        }

        /// <summary>The program that runs (after a copy, when the original could not be made executable, the copy).</summary>
        public string MockPath { get; }

        /// <summary>The directory holding the mock's test PKI and <c>fiks.toml</c>.</summary>
        public string Directory { get; }

        /// <summary>The mock process's id.</summary>
        public int ProcessId { get; }

        /// <summary>
        /// Every field of the mock's JSON line (<c>base_url</c>, <c>config</c>, <c>p12</c>,
        /// <c>key_pem</c>, <c>ca_pem</c>, <c>person_token</c>, …) as text.
        /// </summary>
        public IReadOnlyDictionary<string, string> Info
        {
            get { return _info; }
        }

        /// <summary>A field of the mock's JSON line: <c>mock["key_pem"]</c>, <c>mock["p12_expired"]</c>.</summary>
        /// <param name="key">The field's name, as the mock prints it.</param>
        /// <exception cref="KeyNotFoundException">The JSON line has no such field.</exception>
        public string this[string key]
        {
            get
            {
                string value;
                if (key == null || !_info.TryGetValue(key, out value) || value == null)
                {
                    throw new KeyNotFoundException("the mock's JSON line has no '" + key + "' (it has: " + string.Join(", ", _info.Keys) + ")");
                }
                return value;
            }
        }

        /// <summary>A ready <c>fiks.toml</c> for this mock (<c>FiksClient.FromFile(mock.ConfigPath)</c>); the <c>config</c> field.</summary>
        public string ConfigPath { get { return this["config"]; } }

        /// <summary>The mock's own URL, where its control endpoints are (<c>base_url</c>).</summary>
        public string BaseUrl { get { return this["base_url"]; } }

        /// <summary>The Fiks API's base URL on the mock (<c>fiks_base_url</c>).</summary>
        public string FiksBaseUrl { get { return this["fiks_base_url"]; } }

        /// <summary>The mock Maskinporten's token endpoint (<c>token_endpoint</c>).</summary>
        public string TokenEndpoint { get { return this["token_endpoint"]; } }

        /// <summary>The Maskinporten client id the mock accepts (<c>issuer</c>).</summary>
        public string Issuer { get { return this["issuer"]; } }

        /// <summary>The audience the mock expects in grants (<c>audience</c>).</summary>
        public string Audience { get { return this["audience"]; } }

        /// <summary>The integrasjon id the mock's Fiks API accepts (<c>integrasjon_id</c>).</summary>
        public string IntegrasjonId { get { return this["integrasjon_id"]; } }

        /// <summary>The integrasjon passord the mock's Fiks API accepts (<c>integrasjon_passord</c>).</summary>
        public string IntegrasjonPassord { get { return this["integrasjon_passord"]; } }

        /// <summary>The test virksomhetssertifikat as PKCS#12 (<c>p12</c>).</summary>
        public string CertificatePath { get { return this["p12"]; } }

        /// <summary>The password of <see cref="CertificatePath"/> (<c>password</c>).</summary>
        public string CertificatePassword { get { return this["password"]; } }

        /// <summary>What the mock wrote to standard error so far (<c>--verbose</c> in <see cref="FiksMockOptions.Arguments"/> logs every request).</summary>
        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        /// <summary>
        /// Options for a <see cref="FiksClient"/> in Maskinporten mode against this mock, every value
        /// explicit (issuer, audience, token endpoint, Fiks base URL, the PKCS#12 certificate and its
        /// password, the integrasjon, and with <c>--tls</c> the mock's CA): no preset and no
        /// environment variable is involved. Change what the test needs before creating the client.
        /// </summary>
        /// <returns>New options, owned by the caller.</returns>
        public FiksClientOptions CreateOptions()
        {
            var options = new FiksClientOptions
            {
                Issuer = Issuer,
                Audience = Audience,
                TokenEndpoint = TokenEndpoint,
                FiksBaseUrl = FiksBaseUrl,
                Certificate = CertificatePath,
                CertificatePassword = CertificatePassword,
                IntegrasjonId = IntegrasjonId,
                IntegrasjonPassord = IntegrasjonPassord,
            };
            if (IsTls)
            {
                options.CaFile = this["ca_pem"];
            }
            return options;
        }

        /// <summary>A new <see cref="FiksClient"/> for this mock (<see cref="CreateOptions"/>); dispose it.</summary>
        /// <returns>The client, owned by the caller.</returns>
        public FiksClient CreateClient()
        {
            return new FiksClient(CreateOptions());
        }

        /// <summary>
        /// The mock's numeric counters since the last <see cref="Reset"/>: <c>token_requests</c>,
        /// <c>tokens_issued</c>, <c>token_faults</c>, <c>fiks_requests</c>, <c>fiks_faults</c>,
        /// <c>grants_without_jti</c>, … (<c>GET /_mock/counters</c>; the rest is in <see cref="CountersJson"/>).
        /// </summary>
        /// <returns>A snapshot, by counter name.</returns>
        public IReadOnlyDictionary<string, long> Counters()
        {
            var counters = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, object> kv in MiniJson.Object(CountersJson()))
            {
                if (kv.Value is double)
                {
                    counters[kv.Key] = (long)(double)kv.Value;
                }
            }
            return new ReadOnlyDictionary<string, long>(counters);
        }

        /// <summary>
        /// The whole answer of <c>GET /_mock/counters</c> as JSON text, with the fields that are not
        /// numbers: <c>token_rejections</c> (why grants were refused), <c>fiks_rejections</c> (by HTTP
        /// status), <c>last_grant_claims</c>, <c>last_grant_header</c>.
        /// </summary>
        /// <returns>The JSON object.</returns>
        public string CountersJson()
        {
            return Call(HttpMethod.Get, "/_mock/counters", null);
        }

        /// <summary>No faults, no token delay, the default token lifetime, zeroed counters, no tokens (<c>POST /_mock/reset</c>).</summary>
        public void Reset()
        {
            Call(HttpMethod.Post, "/_mock/reset", "{}");
        }

        /// <summary>
        /// Queues faults for the next requests to <paramref name="target"/> (<c>POST /_mock/faults</c>):
        /// <c>"503"</c> (any status), <c>"429"</c>, <c>"429:SECS"</c> (with <c>Retry-After</c>),
        /// <c>"delay:2s"</c>, <c>"delay:300ms"</c>, <c>"garbage"</c>, <c>"html502"</c>, <c>"drop"</c>,
        /// <c>"none"</c>, and the hostile ones the mock's help lists.
        /// </summary>
        /// <param name="target"><c>"token"</c> (Maskinporten) or <c>"fiks"</c> (the Fiks API).</param>
        /// <param name="times">For how many requests each fault applies.</param>
        /// <param name="faults">The faults, applied in order.</param>
        /// <exception cref="ArgumentException">The mock refused them (an unknown target or fault); the message says why.</exception>
        public void Fault(string target, int times, params string[] faults)
        {
            if (target == null)
            {
                throw new ArgumentNullException("target");
            }
            if (faults == null || faults.Any(f => f == null))
            {
                throw new ArgumentNullException("faults");
            }
            string json = "{\"target\":" + MiniJson.Quote(target) + ",\"faults\":["
                + string.Join(",", faults.Select(MiniJson.Quote)) + "],\"times\":" + times.ToString(CultureInfo.InvariantCulture) + "}";
            Call(HttpMethod.Post, "/_mock/faults", json);
        }

        /// <summary>Forgets every token handed out: the Fiks API answers 401 to them from now on (<c>POST /_mock/revoke-tokens</c>).</summary>
        public void RevokeTokens()
        {
            Call(HttpMethod.Post, "/_mock/revoke-tokens", "{}");
        }

        /// <summary>The <c>expires_in</c> of tokens issued from now on (<c>POST /_mock/token-lifetime</c>).</summary>
        /// <param name="secs">Seconds.</param>
        public void TokenLifetime(int secs)
        {
            Call(HttpMethod.Post, "/_mock/token-lifetime", "{\"secs\":" + secs.ToString(CultureInfo.InvariantCulture) + "}");
        }

        /// <summary>Delays every token answer (<c>POST /_mock/token-delay</c>; 0: none).</summary>
        /// <param name="ms">Milliseconds.</param>
        public void TokenDelay(int ms)
        {
            Call(HttpMethod.Post, "/_mock/token-delay", "{\"ms\":" + ms.ToString(CultureInfo.InvariantCulture) + "}");
        }

        /// <summary>
        /// Stops the mock (closes its standard input, waits up to <see cref="FiksMockOptions.StopTimeout"/>,
        /// then kills it) and removes the temporary directory it was given. Safe to call more than once.
        /// </summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            HttpClient control = Interlocked.Exchange(ref _control, null);
            if (control != null)
            {
                control.Dispose();
            }
            if (_process != null)
            {
                try
                {
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // the mock is gone already
                }
                if (!WaitForExit(_stopTimeout))
                {
                    try
                    {
                        _process.Kill();
                    }
                    catch (InvalidOperationException)
                    {
                        // it exited in between
                    }
                    catch (System.ComponentModel.Win32Exception)
                    {
                        // it is exiting
                    }
                    WaitForExit(TimeSpan.FromSeconds(10));
                }
                if (_stdoutReader != null)
                {
                    _stdoutReader.Join(TimeSpan.FromSeconds(5));
                }
                _process.Dispose();
            }
            RemoveDirectory();
        }

        /// <summary>The mock's base URL and process.</summary>
        /// <returns>For example <c>FiksMock http://127.0.0.1:41234 (pid 4242)</c>.</returns>
        public override string ToString()
        {
            string url;
            _info.TryGetValue("base_url", out url);
            return "FiksMock " + (url ?? "?") + (Volatile.Read(ref _disposed) != 0 ? " (disposed)" : " (pid " + ProcessId + ")");
        }

        private bool IsTls
        {
            get { return BaseUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase); }
        }

        private static string Arguments(string directory, IEnumerable<string> extra)
        {
            var args = new List<string> { "--dir", directory, "--exit-on-stdin-close" };
            args.AddRange(extra);
            return string.Join(" ", args.Select(Quote));
        }

        /// <summary>Quotes one argument the way ProcessStartInfo.Arguments is split (MSVCRT rules, which .NET and Mono follow on every platform).</summary>
        private static string Quote(string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '"', '\\' }) < 0)
            {
                return arg;
            }
            var sb = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                sb.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
                backslashes = 0;
                sb.Append(c);
            }
            sb.Append('\\', backslashes * 2);
            return sb.Append('"').ToString();
        }

        private void ReadStdout()
        {
            try
            {
                StreamReader stdout = _process.StandardOutput;
                _firstLine.TrySetResult(stdout.ReadLine());
                string line;
                while ((line = stdout.ReadLine()) != null)
                {
                    lock (_log)
                    {
                        _log.Append(line).Append('\n');
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException)
            {
                _firstLine.TrySetResult(null);
            }
        }

        private IReadOnlyDictionary<string, string> WaitUntilReady(TimeSpan timeout)
        {
            string line = _firstLine.Task.Wait(timeout) ? _firstLine.Task.Result : null;
            if (string.IsNullOrWhiteSpace(line))
            {
                string what;
                if (_firstLine.Task.IsCompleted && WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    what = "exited with status " + _process.ExitCode + " before it was ready";
                }
                else if (_firstLine.Task.IsCompleted)
                {
                    what = "closed its standard output before it was ready";
                }
                else
                {
                    what = "printed nothing within " + timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s";
                }
                StopForError();
                throw new FiksMockStartException(MockPath + " " + what + ". Its standard error:\n" + Log.TrimEnd());
            }
            Dictionary<string, object> parsed;
            try
            {
                parsed = MiniJson.Object(line);
            }
            catch (Exception e) when (e is FormatException || e is IndexOutOfRangeException || e is ArgumentOutOfRangeException)
            {
                StopForError();
                string shown = line.Length > 200 ? line.Substring(0, 200) + "…" : line;
                throw new FiksMockStartException(MockPath + " printed '" + shown + "', not its JSON description. Is it fiks-integrasjon-mock?");
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, object> kv in parsed)
            {
                values[kv.Key] = Text(kv.Value);
            }
            return new ReadOnlyDictionary<string, string>(values);
        }

        private static string Text(object value)
        {
            if (value == null)
            {
                return null;
            }
            if (value is bool)
            {
                return (bool)value ? "true" : "false";
            }
            if (value is double)
            {
                return ((double)value).ToString("R", CultureInfo.InvariantCulture);
            }
            return value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture);
        }

        /// <summary>Kills the mock after a failed start and waits until its standard error is read.</summary>
        private void StopForError()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                }
            }
            catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception)
            {
                // it exited in between
            }
            // Without a timeout, WaitForExit also waits until the redirected standard error is read to its end.
            if (WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.WaitForExit();
            }
        }

        private bool WaitForExit(TimeSpan timeout)
        {
            try
            {
                return _process.WaitForExit((int)Math.Min(int.MaxValue, timeout.TotalMilliseconds));
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }

        private void RemoveDirectory()
        {
            if (!_ownDirectory)
            {
                return;
            }
            for (int attempt = 0; attempt < 5; attempt++)
            {
                try
                {
                    if (System.IO.Directory.Exists(Directory))
                    {
                        System.IO.Directory.Delete(Directory, true);
                    }
                    return;
                }
                catch (IOException)
                {
                    // a file still open (Windows): try again shortly
                }
                catch (UnauthorizedAccessException)
                {
                    // the same on Windows
                }
                Thread.Sleep(100);
            }
        }

        private HttpClient NewControlClient()
        {
            // Straight to the loopback port, never through a proxy from the environment.
            var handler = new HttpClientHandler { UseProxy = false, AllowAutoRedirect = false };
            if (IsTls)
            {
                X509Certificate2 ca = new X509Certificate2(File.ReadAllBytes(this["ca_pem"]));
                handler.ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) => IssuedBy(certificate, ca, errors);
            }
            return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        }

        /// <summary>Accepts only a server certificate that chains to the mock's own CA.</summary>
        private static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 ca, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }
            if (certificate == null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                chain.ChainPolicy.ExtraStore.Add(ca);
                if (!chain.Build(certificate))
                {
                    return false;
                }
                X509ChainElement root = chain.ChainElements[chain.ChainElements.Count - 1];
                return root.Certificate.Thumbprint == ca.Thumbprint;
            }
        }

        private string Call(HttpMethod method, string path, string json)
        {
            HttpClient control = Volatile.Read(ref _control);
            if (control == null)
            {
                throw new ObjectDisposedException("FiksMock", "this FiksMock is disposed");
            }
            return CallAsync(control, method, path, json).GetAwaiter().GetResult();
        }

        private async Task<string> CallAsync(HttpClient control, HttpMethod method, string path, string json)
        {
            using (var request = new HttpRequestMessage(method, BaseUrl.TrimEnd('/') + path))
            {
                if (json != null)
                {
                    request.Content = new StringContent(json, new UTF8Encoding(false), "application/json");
                }
                using (HttpResponseMessage response = await control.SendAsync(request).ConfigureAwait(false))
                {
                    string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    int status = (int)response.StatusCode;
                    if (status >= 200 && status < 300)
                    {
                        return body;
                    }
                    string detail = body;
                    try
                    {
                        detail = MiniJson.Object(body)["error"] as string ?? body;
                    }
                    catch (Exception e) when (e is FormatException || e is KeyNotFoundException || e is IndexOutOfRangeException || e is ArgumentOutOfRangeException)
                    {
                        // not the mock's {"error": ...}: show the body
                    }
                    string message = "the mock refused " + method.Method + " " + path + " (" + status + "): " + detail;
                    if (status >= 400 && status < 500)
                    {
                        throw new ArgumentException(message);
                    }
                    throw new InvalidOperationException(message);
                }
            }
        }
    }

    /// <summary>The mock program ran but did not become ready; the message holds its standard error.</summary>
    public sealed class FiksMockStartException : Exception
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">What happened, with the mock's standard error.</param>
        public FiksMockStartException(string message) : base(message)
        {
        }
    }
}
