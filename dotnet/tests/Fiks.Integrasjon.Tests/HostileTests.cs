using System;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>
    /// Hostile answers through .NET (issue 18): the caps are the core's, so an endless body is a clear exception
    /// instead of an out-of-memory kill of the host process.
    /// </summary>
    public class HostileTests
    {
        private static Mock M { get { return Mock.Current; } }

        private static FiksClientOptions Patient()
        {
            FiksClientOptions options = M.Options();
            options.MaxRetries = 0;
            options.Timeout = TimeSpan.FromSeconds(60);
            return options;
        }

        [Test]
        public void EndlessErrorBodyIsKeptTruncated()
        {
            using (var client = new FiksClient(Patient()))
            {
                client.GetHeaders();
                M.FaultsAsync("fiks", 1, "endless_error").Wait();
                FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("GET", "/echo"));
                Assert.Equal(400, e.HttpStatus, "HttpStatus");
                Assert.True(e.BodyTruncated, "BodyTruncated");
                Assert.Equal(1024 * 1024, e.Body.Length, "Body.Length");
                Assert.Equal("not_a_fiks_error", e.Problem, "Problem");
                FiksApiException plain = Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/404"));
                Assert.False(plain.BodyTruncated, "a whole body is not marked");
            }
        }

        [Test]
        public void AnswerOverMaxResponseBytes()
        {
            FiksClientOptions options = Patient();
            options.MaxResponseBytes = 1024 * 1024;
            Assert.Equal(1024 * 1024, options.MaxResponseBytes.Value, "MaxResponseBytes");
            using (var client = new FiksClient(options))
            {
                M.FaultsAsync("fiks", 1, "endless").Wait();
                FiksTransportException e = Assert.Throws<FiksTransportException>(() => client.Send("GET", "/echo"));
                Assert.Equal("too_large", e.Problem, "Problem");
                Assert.Equal("max_response_bytes", e.ConfigKey, "ConfigKey");
                Assert.Contains("max_response_bytes", e.Hint, "Hint");
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "the client still works");
            }
        }

        [Test]
        public void EndlessTokenAnswer()
        {
            using (var client = new FiksClient(Patient()))
            {
                M.FaultsAsync("token", 1, "endless").Wait();
                FiksTransportException e = Assert.Throws<FiksTransportException>(() => client.GetHeaders());
                Assert.Equal("invalid_response", e.Problem, "Problem");
                Assert.Contains("65536", e.Message, "Message");
            }
        }
    }
}
