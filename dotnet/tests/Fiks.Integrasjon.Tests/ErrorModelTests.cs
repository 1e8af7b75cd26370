using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>
    /// The core's whole error model on every FiksException (issue 13): the five failures of the parity program
    /// (wrong password, expired certificate, Maskinporten refusal with an MP code, timeout, Fiks 404 with an
    /// errorId) and the kept response headers, through the .NET API against the mock.
    /// </summary>
    public class ErrorModelTests
    {
        private static Mock M { get { return Mock.Current; } }

        /// <summary>The checks every exception read from the native library passes.</summary>
        private static void Whole(FiksException e, string kindName)
        {
            Assert.Equal(kindName, e.KindName, "KindName");
            Assert.NotNull(e.Hint, "Hint");
            Assert.True(e.Message.Length > 0, "Message");
            // The hint is not appended (a message may still give advice of its own in its words).
            Assert.DoesNotContain("(hint:", e.Message, "the message holds a hint");
            Assert.False(e.Message.EndsWith(e.Hint + ")", StringComparison.Ordinal), "the message ends with the hint");
            Assert.NotNull(e.ResponseHeaders, "ResponseHeaders");
            ExceptionTests.NoSecrets(e);
        }

        [Test]
        public void WrongCertificatePassword()
        {
            FiksClientOptions options = M.Options();
            options.CertificatePassword = "feil-passord-1234";
            FiksCertificateException e = Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose());
            Whole(e, "certificate");
            Assert.Equal("wrong_password", e.Problem, "Problem");
            Assert.Equal("certificate_password", e.ConfigKey, "ConfigKey");
            Assert.Contains("certificate_password", e.Hint, "Hint");
            Assert.Null(e.HttpStatus, "HttpStatus (no HTTP answer)");
            Assert.False(e.IsTransient, "IsTransient");
            Assert.Null(e.RetryAfter, "RetryAfter");
            Assert.Equal(0, e.ResponseHeaders.Count, "ResponseHeaders.Count");
            Assert.DoesNotContain("feil-passord-1234", e.ToString(), "the wrong password");
        }

        [Test]
        public void ExpiredCertificate()
        {
            string[] files = ExpiredCertificateFiles();
            FiksClientOptions options = M.Options();
            options.Certificate = files[0];
            options.PrivateKey = files[1];
            options.CertificatePassword = null;
            FiksCertificateException e = Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose());
            Whole(e, "certificate");
            Assert.Equal("expired", e.Problem, "Problem");
            Assert.Equal("certificate", e.ConfigKey, "ConfigKey");
            Assert.Contains("renew", e.Hint, "Hint");
            Assert.Contains("expired", e.Message, "Message");
            Assert.Null(e.HttpStatus, "HttpStatus (no HTTP answer)");
            Assert.False(e.IsTransient, "IsTransient");
        }

        [Test]
        public void MaskinportenRefusalWithAnMpCode()
        {
            FiksClientOptions options = M.Options();
            options.Issuer = "ukjent-klient";
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                FiksTokenException e = Assert.Throws<FiksTokenException>(() => client.Send("GET", "/echo"));
                Whole(e, "token");
                Assert.Equal("maskinporten_refused", e.Problem, "Problem");
                Assert.Equal("invalid_client", e.OAuthError, "OAuthError");
                Assert.Equal("MP-100", e.MaskinportenCode, "MaskinportenCode");
                Assert.True(e.HttpStatus.HasValue && e.HttpStatus >= 400 && e.HttpStatus < 500, "HttpStatus <" + e.HttpStatus + ">: Maskinporten's 4xx");
                Assert.False(e.IsTransient, "IsTransient");
                Assert.Null(e.ConfigKey, "ConfigKey");
            }
        }

        [Test]
        public void FiksCallTimeout()
        {
            M.FaultsAsync("fiks", 5, "delay:3s").Wait();
            FiksClientOptions options = M.Options();
            options.MaxRetries = 0;
            options.Timeout = TimeSpan.FromSeconds(0.5);
            using (var client = new FiksClient(options))
            {
                FiksTransportException e = Assert.Throws<FiksTransportException>(() => client.Send("GET", "/echo"));
                Whole(e, "transport");
                Assert.Equal("timeout", e.Problem, "Problem");
                Assert.Null(e.HttpStatus, "HttpStatus (no answer before the timeout)");
                Assert.True(e.IsTransient, "IsTransient");
                Assert.Contains("timeout_seconds", e.Hint, "Hint");
                Assert.Null(e.RetryAfter, "RetryAfter");
            }
        }

        [Test]
        public void Fiks404WithAnErrorId()
        {
            using (var client = new FiksClient(M.Options()))
            {
                FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/404"));
                Whole(e, "api");
                Assert.Equal(404, e.HttpStatus, "HttpStatus");
                Guid id;
                Assert.True(Guid.TryParse(e.ErrorId, out id), "ErrorId is not a uuid: " + e.ErrorId);
                Assert.Null(e.Problem, "Problem of a plain Fiks error");
                Assert.False(e.IsTransient, "IsTransient");
                Assert.Null(e.ConfigKey, "ConfigKey");
                Assert.Null(e.RetryAfter, "RetryAfter");
                Assert.Equal(0, e.ResponseHeaders.Count, "ResponseHeaders.Count");
            }
        }

        [Test]
        public void RetryAfterIsKeptAsSentAndAsAWait()
        {
            M.FaultsAsync("fiks", 1, "429:5").Wait();
            FiksClientOptions options = M.Options();
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("GET", "/echo"));
                Whole(e, "api");
                Assert.Equal(429, e.HttpStatus, "HttpStatus");
                Assert.True(e.IsTransient, "IsTransient");
                Assert.Equal(TimeSpan.FromSeconds(5), e.RetryAfter.GetValueOrDefault(), "RetryAfter");
                Assert.Equal("5", e.ResponseHeaders["Retry-After"], "Retry-After as sent");
                Assert.Equal("5", e.ResponseHeaders["retry-after"], "case-insensitive");
                string location;
                Assert.False(e.ResponseHeaders.TryGetValue("Location", out location), "no Location");
                Assert.Equal(1, e.ResponseHeaders.Count, "only the kept headers");
                Assert.False(e.ResponseHeaders is IDictionary<string, string>, "ResponseHeaders is read-only");
            }
        }

        [Test]
        public void WwwAuthenticateIsKept()
        {
            // A token without ks:fiks: the mock answers 403 with an insufficient_scope challenge.
            FiksClientOptions options = M.Options();
            options.Scopes = "ks:fiks:test";
            using (var client = new FiksClient(options))
            {
                FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("GET", "/echo"));
                Assert.Equal(403, e.HttpStatus, "HttpStatus");
                Assert.Contains("insufficient_scope", e.ResponseHeaders["WWW-Authenticate"], "WWW-Authenticate");
                Assert.Contains("insufficient_scope", e.ResponseHeaders["www-authenticate"], "case-insensitive");
            }
        }

        [Test]
        public void IntegrasjonRefusedIsItsOwnProblem()
        {
            FiksClientOptions options = M.Options();
            options.IntegrasjonPassord = "feil-integrasjon-passord";
            using (var client = new FiksClient(options))
            {
                FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("GET", "/echo"));
                Whole(e, "api");
                Assert.Equal(401, e.HttpStatus, "HttpStatus");
                Assert.Equal("integrasjon_refused", e.Problem, "Problem");
                Assert.Contains("integrasjon", e.Hint, "Hint");
                Assert.DoesNotContain("feil-integrasjon-passord", e.ToString(), "the wrong passord");
            }
        }

        [Test]
        public void AnHtmlAnswerIsNotAFiksError()
        {
            using (var client = new FiksClient(M.Options()))
            {
                FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/418?body=html"));
                Whole(e, "api");
                Assert.Equal("not_a_fiks_error", e.Problem, "Problem");
                Assert.Null(e.ErrorId, "ErrorId");
                Assert.DoesNotContain("errorId", e.Hint, "Hint names an errorId that does not exist");
            }
        }

        [Test]
        public void ConfigurationErrorsNameTheirKey()
        {
            FiksClientOptions options = M.Options();
            options.Issuer = null;
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(() => new FiksClient(options).Dispose());
            Whole(e, "config");
            Assert.Equal("issuer", e.ConfigKey, "ConfigKey");
            Assert.Null(e.HttpStatus, "HttpStatus (no HTTP answer)");
            Assert.Null(e.Problem, "Problem");
            Assert.False(e.IsTransient, "IsTransient");
        }

        [Test]
        public void ParseErrorCarriesTheModel()
        {
            FiksError error;
            string body = "{\"errorId\":\"5b0e6f3c-8c53-4c1e-9c0a-2f6f3c1f7a11\",\"message\":\"Opptatt\"}";
            Assert.True(FiksError.TryParse(body, 503, out error), "TryParse with 503");
            FiksApiException e = error.ToException();
            Assert.Equal("api", e.KindName, "KindName");
            Assert.Equal(503, e.HttpStatus, "HttpStatus");
            Assert.True(e.IsTransient, "IsTransient");
            Assert.NotNull(e.Hint, "Hint");
            Assert.Equal("5b0e6f3c-8c53-4c1e-9c0a-2f6f3c1f7a11", e.ErrorId, "ErrorId");
        }

        [Test]
        public void A2xxAnswerIsNeverAnError()
        {
            using (var client = new FiksClient(M.Options()))
            {
                FiksResponse r = client.Send("GET", "/echo");
                FiksError error;
                Assert.False(FiksError.TryParse(r.BodyText, r.StatusCode, out error), "the /echo body of a 200");
                Assert.False(FiksError.TryParse(r.Body, r.StatusCode, out error), "the /echo body of a 200, as bytes");
                Assert.Null(error, "error");
            }
        }

        /// <summary>A self-signed certificate valid in January 2020, and its key (openssl does the
        /// signing: Mono cannot make certificates), made once per run in the mock's directory.</summary>
        private static string[] ExpiredCertificateFiles()
        {
            lock (ExpiredGate)
            {
                if (_expired != null)
                {
                    return _expired;
                }
                string dir = Path.Combine(M["dir"], "dotnet-expired");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "index.txt"), "");
                File.WriteAllText(Path.Combine(dir, "serial"), "01\n");
                File.WriteAllText(Path.Combine(dir, "ca.cnf"),
                    "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n"
                    + "default_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n");
                OpenSsl(dir, "req -new -newkey rsa:2048 -nodes -keyout key.pem -subj /CN=Utlopt-virksomhet -out req.csr");
                OpenSsl(dir, "ca -batch -config ca.cnf -selfsign -keyfile key.pem -in req.csr "
                    + "-startdate 20200101000000Z -enddate 20200201000000Z -out cert.pem");
                _expired = new[] { Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem") };
                return _expired;
            }
        }

        private static readonly object ExpiredGate = new object();
        private static string[] _expired;

        private static void OpenSsl(string dir, string arguments)
        {
            var start = new ProcessStartInfo("openssl", arguments)
            {
                WorkingDirectory = dir,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            Process p;
            try
            {
                p = Process.Start(start);
            }
            catch (Exception e)
            {
                throw new AssertionException("this test makes an expired certificate with openssl, which cannot be started: " + e.Message);
            }
            using (p)
            {
                var output = new StringBuilder();
                p.OutputDataReceived += (s, a) => { if (a.Data != null) lock (output) output.AppendLine(a.Data); };
                p.ErrorDataReceived += (s, a) => { if (a.Data != null) lock (output) output.AppendLine(a.Data); };
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    throw new AssertionException("openssl " + arguments + " failed (exit " + p.ExitCode + "): " + output);
                }
            }
        }
    }
}
