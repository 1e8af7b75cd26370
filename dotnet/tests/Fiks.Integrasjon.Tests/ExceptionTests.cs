using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Fiks.Integrasjon.Native;
using Fiks.Integrasjon.Testing;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>Every exception type with its fields, and that no message carries a secret.</summary>
    public class ExceptionTests
    {
        private static Mock M { get { return Mock.Current; } }

        internal static void NoSecrets(Exception e)
        {
            string all = e.ToString();
            Assert.DoesNotContain(M["password"], all, "exception text (certificate password)");
            Assert.DoesNotContain(M["integrasjon_passord"], all, "exception text (integrasjon passord)");
            Assert.DoesNotContain(M["person_token"], all, "exception text (person token)");
        }

        [Test]
        public void ApiErrorCarriesTheFiksFields()
        {
            using (var client = new FiksClient(M.Options()))
            {
                FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/404"));
                Assert.Equal(FiksErrorKind.Api, e.Kind, "Kind");
                Assert.Equal(404, e.HttpStatus, "HttpStatus");
                Guid id;
                Assert.True(Guid.TryParse(e.ErrorId, out id), "ErrorId is not a uuid: " + e.ErrorId);
                Assert.Equal("MOCK_FEIL", e.ErrorCode, "ErrorCode");
                Assert.NotNull(e.ErrorJson, "ErrorJson");
                Assert.Equal(13.0, (double)MiniJson.Find(MiniJson.Parse(e.ErrorJson), "antall"), "errorJson.antall");
                Assert.NotNull(e.FiksMessage, "FiksMessage");
                Assert.NotNull(e.Path, "Path");
                Assert.Contains("/status/404", e.Path + " " + e.OriginalPath, "Path/OriginalPath");
                Assert.True(e.Timestamp.HasValue, "Timestamp");
                Assert.True(Math.Abs((DateTimeOffset.UtcNow - e.Timestamp.Value).TotalMinutes) < 10, "Timestamp is not now: " + e.Timestamp);
                Assert.NotNull(e.Body, "Body");
                Assert.Contains(e.ErrorId, e.BodyText, "BodyText");
                Assert.Contains(e.ErrorId, e.Message, "Message names the errorId");
                Assert.NotNull(e.Error, "Error");
                Assert.Equal(e.ErrorId, e.Error.ErrorId, "Error.ErrorId");
                NoSecrets(e);
            }
        }

        [Test]
        public async Task ApiErrorFromSendAsync()
        {
            using (var client = new FiksClient(M.Options()))
            {
                FiksApiException e = await Assert.ThrowsAsync<FiksApiException>(() => client.SendAsync("GET", "/status/409"));
                Assert.Equal(409, e.HttpStatus, "HttpStatus");
                Assert.NotNull(e.ErrorId, "ErrorId");
                FiksException b = await Assert.ThrowsAsync<FiksException>(() => client.SendAsync("GET", "/status/500"));
                Assert.True(b is FiksApiException || b is FiksTransportException, "500: " + b.GetType().Name);
            }
        }

        [Test]
        public void ApiErrorWithAnHtmlBody()
        {
            M.FaultsAsync("fiks", 1, "html502").Wait();
            FiksClientOptions options = M.Options();
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                // Not a Fiks error body: the fields are null and the raw answer is kept.
                FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("POST", "/innsyn-sok/api/v1/sok", "{\"sok\":\"x\"}"));
                Assert.Equal(502, e.HttpStatus, "HttpStatus");
                Assert.Null(e.ErrorId, "ErrorId");
                Assert.Null(e.ErrorCode, "ErrorCode");
                Assert.False(e.Timestamp.HasValue, "Timestamp");
                Assert.Contains("<html>", e.BodyText, "the raw body");
                NoSecrets(e);
            }
        }

        [Test]
        public void TokenErrorCarriesTheOAuthFields()
        {
            FiksClientOptions options = M.Options();
            options.Audience = M.BaseUrl + "/not-maskinporten/";
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                FiksTokenException e = Assert.Throws<FiksTokenException>(() => client.GetAccessToken());
                Assert.Equal(FiksErrorKind.Token, e.Kind, "Kind");
                Assert.Equal(400, e.HttpStatus, "HttpStatus");
                Assert.Equal("invalid_grant", e.OAuthError, "OAuthError");
                Assert.NotNull(e.Description, "Description");
                Assert.Contains(e.Description, e.Message, "Message");
                if (e.MaskinportenCode != null)
                {
                    Assert.Contains(e.MaskinportenCode, e.Description, "MaskinportenCode");
                }
                NoSecrets(e);

                // the same failure from the headers, from a request, asynchronously and through the handler
                Assert.Throws<FiksTokenException>(() => client.GetHeaders());
                Assert.Throws<FiksTokenException>(() => client.Send("GET", "/echo"));
                Assert.ThrowsAsync<FiksTokenException>(() => client.GetAccessTokenAsync()).Wait();
            }
        }

        [Test]
        public void TransportErrorWhenNothingListens()
        {
            FiksClientOptions options = M.Options();
            options.TokenEndpoint = "http://127.0.0.1:9/token";
            options.MaxRetries = 0;
            options.Timeout = TimeSpan.FromSeconds(5);
            using (var client = new FiksClient(options))
            {
                FiksTransportException e = Assert.Throws<FiksTransportException>(() => client.GetAccessToken());
                Assert.Equal(FiksErrorKind.Transport, e.Kind, "Kind");
                Assert.Null(e.HttpStatus, "HttpStatus (no answer: nothing listens)");
                Assert.Equal("connect", e.Problem, "Problem");
                Assert.True(e.IsTransient, "IsTransient");
                NoSecrets(e);
            }
        }

        [Test]
        public void TransportErrorForAnUnreadableTokenAnswer()
        {
            M.FaultsAsync("token", 5, "garbage").Wait();
            FiksClientOptions options = M.Options();
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                FiksTransportException e = Assert.Throws<FiksTransportException>(() => client.GetAccessToken());
                Assert.Equal(200, e.HttpStatus, "HttpStatus of the unreadable answer");
                Assert.Equal("invalid_response", e.Problem, "Problem");
                NoSecrets(e);
            }
        }

        [Test]
        public void TransportErrorOnTimeout()
        {
            M.FaultsAsync("fiks", 5, "delay:3s").Wait();
            FiksClientOptions options = M.Options();
            options.MaxRetries = 0;
            options.Timeout = TimeSpan.FromSeconds(0.5);
            using (var client = new FiksClient(options))
            {
                client.GetAccessToken();
                FiksTransportException e = Assert.Throws<FiksTransportException>(() => client.Send("POST", "/innsyn-sok/api/v1/sok", "{\"sok\":\"x\"}"));
                NoSecrets(e);
            }
        }

        [Test]
        public void ConfigurationErrorNamesTheKey()
        {
            FiksClientOptions options = M.Options();
            options.Issuer = null;
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(() => new FiksClient(options).Dispose());
            Assert.Equal(FiksErrorKind.Configuration, e.Kind, "Kind");
            Assert.Null(e.HttpStatus, "HttpStatus of a configuration error");
            Assert.Contains("issuer", e.Message);

            options = M.Options();
            options.IntegrasjonId = "ikke-en-uuid";
            e = Assert.Throws<FiksConfigurationException>(() => new FiksClient(options).Dispose());
            Assert.Contains("integrasjon_id", e.Message);
            NoSecrets(e);

            options = M.Options();
            options.Timeout = TimeSpan.Zero;
            e = Assert.Throws<FiksConfigurationException>(() => new FiksClient(options).Dispose());
            Assert.Contains("timeout_seconds", e.Message);

            options = M.Options();
            options.FiksBaseUrl = "http://fiks.example.com/";
            e = Assert.Throws<FiksConfigurationException>(() => new FiksClient(options).Dispose());
            Assert.Contains("https", e.Message);
        }

        [Test]
        public void CertificateErrorForAWrongPassword()
        {
            FiksClientOptions options = M.Options();
            options.CertificatePassword = "feil-passord-1234";
            FiksCertificateException e = Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose());
            Assert.Equal(FiksErrorKind.Certificate, e.Kind, "Kind");
            Assert.Contains("password", e.Message.ToLowerInvariant());
            Assert.DoesNotContain("feil-passord-1234", e.ToString(), "the wrong password");
            NoSecrets(e);

            options = M.Options();
            options.Certificate = null;
            options.CertificatePkcs12 = File.ReadAllBytes(M["p12"]);
            options.CertificatePassword = "feil-passord-1234";
            e = Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose());
            Assert.DoesNotContain("feil-passord-1234", e.ToString(), "the wrong password (in memory)");
        }

        [Test]
        public void CertificateErrorForAMissingFile()
        {
            FiksClientOptions options = M.Options();
            options.Certificate = Path.Combine(M["dir"], "finnes-ikke.p12");
            FiksException e = Assert.Throws<FiksException>(() => new FiksClient(options).Dispose());
            Assert.True(e is FiksCertificateException || e is FiksConfigurationException, "got " + e.GetType().Name);
            Assert.Contains("finnes-ikke.p12", e.Message);
        }

        [Test]
        public void CertificateErrorForAnX509WithoutKey()
        {
            var withKey = new X509Certificate2(M["p12_legacy"], M["password"], X509KeyStorageFlags.Exportable);
            var withoutKey = new X509Certificate2(withKey.Export(X509ContentType.Cert));
            FiksClientOptions options = M.Options();
            options.Certificate = null;
            options.ClientCertificate = withoutKey;
            FiksCertificateException e = Assert.Throws<FiksCertificateException>(() => new FiksClient(options).Dispose());
            Assert.Contains("private key", e.Message);
        }

        [Test]
        public void BothInMemoryCertificatesIsAConfigurationError()
        {
            FiksClientOptions options = M.Options();
            options.ClientCertificate = new X509Certificate2(M["p12_legacy"], M["password"], X509KeyStorageFlags.Exportable);
            options.CertificatePkcs12 = File.ReadAllBytes(M["p12"]);
            Assert.Throws<FiksConfigurationException>(() => new FiksClient(options).Dispose());
        }

        /// <summary>FiksStatus (NativeMethods.cs) and FiksErrorKind are copied by hand from the C enum fiks_status.</summary>
        [Test(Offline = true)]
        public void FiksStatusAndFiksErrorKindMatchTheHeader()
        {
            string header = LogTests.FindHeader();
            var values = new Dictionary<string, int>();
            foreach (Match m in Regex.Matches(File.ReadAllText(header), @"\b(FIKS_OK|FIKS_ERROR_[A-Z_]+)\s*=\s*(\d+)"))
            {
                values[m.Groups[1].Value] = int.Parse(m.Groups[2].Value);
            }
            string[] names = Enum.GetNames(typeof(FiksStatus));
            Assert.Equal(values.Count, names.Length, "FiksStatus members against the fiks_status values in " + header);
            foreach (string name in names)
            {
                string c = name == "Ok" ? "FIKS_OK" : "FIKS_ERROR_" + Regex.Replace(name, "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant();
                int value;
                Assert.True(values.TryGetValue(c, out value), c + " in the header");
                var status = (FiksStatus)Enum.Parse(typeof(FiksStatus), name);
                Assert.Equal(value, (int)status, "FiksStatus." + name);
                if (status != FiksStatus.Ok)
                {
                    Assert.Equal(value, (int)NativeErrorInfo.KindOf(status), "FiksErrorKind for " + c);
                }
            }
            Assert.Equal(names.Length - 1, Enum.GetNames(typeof(FiksErrorKind)).Length, "FiksErrorKind members (every error status)");
        }

        [Test(Offline = true)]
        public void EveryExceptionTypeHasTheOneNullableHttpStatus()
        {
            Type[] family = typeof(FiksException).Assembly.GetExportedTypes().Where(t => typeof(FiksException).IsAssignableFrom(t)).ToArray();
            Assert.True(family.Length >= 6, "the exception family: " + string.Join(", ", family.Select(t => t.Name)));
            foreach (Type t in family)
            {
                PropertyInfo p = t.GetProperty("HttpStatus", BindingFlags.Public | BindingFlags.Instance);
                Assert.NotNull(p, t.Name + ".HttpStatus");
                Assert.Equal(typeof(int?), p.PropertyType, t.Name + ".HttpStatus type");
                Assert.Equal(typeof(FiksException), p.DeclaringType, t.Name + ".HttpStatus declared by");
                Assert.True(p.GetSetMethod() == null, t.Name + ".HttpStatus has a public setter");
            }
        }

        [Test(Offline = true)]
        public void ExceptionsCanBeMadeByHand()
        {
            Assert.Equal(FiksErrorKind.Internal, new FiksException("x").Kind, "FiksException");
            Assert.Equal(FiksErrorKind.Usage, new FiksException(FiksErrorKind.Usage, "x").Kind, "FiksException(kind)");
            Assert.Equal(FiksErrorKind.Configuration, new FiksConfigurationException("x").Kind, "configuration");
            Assert.Equal(FiksErrorKind.Certificate, new FiksCertificateException("x").Kind, "certificate");
            var t = new FiksTokenException("x", 401, "invalid_client", "MP-100 ukjent", "MP-100");
            Assert.Equal(FiksErrorKind.Token, t.Kind, "token");
            Assert.Equal("invalid_client", t.OAuthError, "OAuthError");
            Assert.Equal(401, t.HttpStatus, "HttpStatus");
            Assert.Equal(FiksErrorKind.Api, new FiksApiException("x").Kind, "api");
            Assert.Null(new FiksApiException("x").ErrorId, "ErrorId without a body");
            Assert.Equal(503, new FiksTransportException("x", 503).HttpStatus, "transport HttpStatus");
            Assert.Null(new FiksTransportException("x", (int?)null).HttpStatus, "transport without a status");
            Assert.Null(new FiksTransportException("x", 0).HttpStatus, "transport with C's 0 for none");
            Assert.Null(new FiksTokenException("x", null, "invalid_client", null, null).HttpStatus, "token without a status");
            Assert.Null(new FiksTokenException("x", 0, null, null, null).HttpStatus, "token with C's 0 for none");
            Assert.Null(new FiksTokenException("x").HttpStatus, "token, message only");
            Assert.Null(new FiksApiException("x").HttpStatus, "api without a body");
            Assert.Null(new FiksApiException("x", null).HttpStatus, "api with a null FiksError");
            Assert.Null(new FiksConfigurationException("x").HttpStatus, "HttpStatus of a hand-made exception");
            Assert.Null(new FiksException(FiksErrorKind.Cancelled, "x").HttpStatus, "HttpStatus of a hand-made cancelled exception");
            Assert.True(new FiksTransportException("x") is FiksException, "one family");

            // The model of a hand-made exception: the kind's name from the native library, nothing else.
            Assert.Equal("config", new FiksConfigurationException("x").KindName, "KindName config");
            Assert.Equal("usage", new FiksException(FiksErrorKind.Usage, "x").KindName, "KindName usage");
            Assert.Equal("internal", new FiksException("x").KindName, "KindName internal");
            Assert.Equal("invalid_argument", new FiksException(FiksErrorKind.InvalidArgument, "x").KindName, "KindName invalid_argument");
            Assert.Equal("api", new FiksApiException("x").KindName, "KindName api");
            var plain = new FiksCertificateException("x");
            Assert.Null(plain.Problem, "Problem");
            Assert.Null(plain.Hint, "Hint");
            Assert.Null(plain.ConfigKey, "ConfigKey");
            Assert.False(plain.IsTransient, "IsTransient");
            Assert.Null(plain.RetryAfter, "RetryAfter");
            Assert.Equal(0, plain.ResponseHeaders.Count, "ResponseHeaders");
        }
    }
}
