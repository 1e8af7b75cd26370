using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using Fiks.Integrasjon.Testing;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>FiksClient.Send through the native request builder: per-call deadline, headers, origins, 401 eviction.</summary>
    public class RequestTests
    {
        private static Mock M { get { return Mock.Current; } }

        private static KeyValuePair<string, string> H(string name, string value)
        {
            return new KeyValuePair<string, string>(name, value);
        }

        [Test]
        public async Task ThePerCallTimeoutBoundsTheWholeCall()
        {
            using (var client = new FiksClient(M.Options()))
            {
                client.GetAccessToken();
                // Every attempt waits 5 s at the mock; without a per-call timeout the first one would succeed.
                await M.FaultsAsync("fiks", 10, "delay:5s");
                FiksTransportException e = Assert.Throws<FiksTransportException>(
                    () => client.Send("GET", "/echo", timeout: TimeSpan.FromMilliseconds(300)), "Send with a timeout");
                Assert.Equal(FiksErrorKind.Transport, e.Kind, "Kind");
                await Assert.ThrowsAsync<FiksTransportException>(
                    () => client.SendAsync("GET", "/echo", timeout: TimeSpan.FromMilliseconds(300)), "SendAsync with a timeout");
            }
        }

        [Test]
        public async Task ARetryAfterLongerThanTheTimeLeftFailsAtOnce()
        {
            using (var client = new FiksClient(M.Options()))
            {
                client.GetAccessToken();
                await M.FaultsAsync("fiks", 1, "429:30");
                FiksApiException e = Assert.Throws<FiksApiException>(
                    () => client.Send("GET", "/echo", null, TimeSpan.FromSeconds(5)), "a 429 asking for 30 s within a 5 s deadline");
                Assert.Equal(429, e.HttpStatus, "HttpStatus");
                Assert.Equal(1, await M.CounterAsync("fiks_requests"), "fiks requests (no retry after the Retry-After)");
            }
        }

        [Test]
        public void ATimeoutOutsideTheNativeRangeIsRefusedByIt()
        {
            using (var client = new FiksClient(M.Options()))
            {
                foreach (TimeSpan t in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-1), TimeSpan.FromDays(2) })
                {
                    FiksException e = Assert.Throws<FiksException>(() => client.Send("GET", "/echo", timeout: t), "timeout " + t);
                    Assert.Equal(FiksErrorKind.InvalidArgument, e.Kind, "Kind for " + t);
                    Assert.Null(e.HttpStatus, "HttpStatus for " + t);
                }
                Assert.Equal(200, client.Send("GET", "/echo", timeout: TimeSpan.FromSeconds(30)).StatusCode, "a valid timeout");
            }
        }

        [Test]
        public void AContentTypeHeaderReplacesTheBodysType()
        {
            using (var client = new FiksClient(M.Options()))
            {
                byte[] xml = Encoding.UTF8.GetBytes("<a/>");
                FiksResponse r = client.Send("POST", "/echo", xml, new[] { H("Content-Type", "application/xml") });
                object echo = MiniJson.Parse(r.BodyText);
                // Two Content-Type headers would be echoed joined by ", ".
                Assert.Equal("application/xml", MiniJson.Find(MiniJson.Find(echo, "headers"), "content-type") as string, "Content-Type sent");
                Assert.Equal("<a/>", MiniJson.Find(echo, "body") as string, "body");

                r = client.Send("POST", "/echo", xml, new[] { H("content-type", "text/plain"), H("Accept", "application/json") });
                echo = MiniJson.Parse(r.BodyText);
                Assert.Equal("text/plain", MiniJson.Find(MiniJson.Find(echo, "headers"), "content-type") as string, "lower-case name");

                r = client.Send("POST", "/echo", "{\"a\":1}");
                echo = MiniJson.Parse(r.BodyText);
                Assert.Equal("application/json", MiniJson.Find(MiniJson.Find(echo, "headers"), "content-type") as string, "the body's own type");
            }
        }

        [Test]
        public void HeaderRulesAreTheNativeLibrarys()
        {
            using (var client = new FiksClient(M.Options()))
            {
                FiksException e = Assert.Throws<FiksException>(
                    () => client.Send("GET", "/echo", null, new[] { H("Ugyldig navn", "x") }), "a name with a space");
                Assert.Equal(FiksErrorKind.InvalidArgument, e.Kind, "Kind (name)");
                e = Assert.Throws<FiksException>(
                    () => client.Send("GET", "/echo", null, new[] { H("X-Fiks-Test", "a\r\nX-Injisert: 1") }), "a value with CR LF");
                Assert.Equal(FiksErrorKind.InvalidArgument, e.Kind, "Kind (value)");
                // A header named like a Fiks header does not replace the client's own.
                FiksResponse r = client.Send("GET", "/echo", null, new[] { H("IntegrasjonId", "00000000-0000-0000-0000-000000000000") });
                Assert.Equal(M["integrasjon_id"], MiniJson.Find(MiniJson.Parse(r.BodyText), "integrasjonid") as string, "IntegrasjonId");
            }
        }

        [Test]
        public void SendRefusesAnotherOrigin()
        {
            using (var other = new SecondOrigin())
            using (var client = new FiksClient(M.Options()))
            {
                FiksException e = Assert.Throws<FiksException>(() => client.Send("GET", other.BaseUrl + "/fiks/echo"), "another origin");
                Assert.Equal(FiksErrorKind.Usage, e.Kind, "Kind");
                Assert.Null(e.HttpStatus, "HttpStatus of a usage error");
                Assert.Equal(0, other.Requests.Count, "requests at the other origin");
                Assert.Equal(200, client.Send("GET", M.FiksBaseUrl + "/echo").StatusCode, "a full URL under fiks_base_url");
            }
        }

        [Test]
        public void HeadersForAUrlFollowTheOriginRule()
        {
            using (var other = new SecondOrigin())
            using (var client = new FiksClient(M.Options()))
            {
                string token = client.GetAccessToken();
                Assert.True(client.MaySendHeaders(M.FiksBaseUrl + "/svarinn/api/v1/mottatt"), "under fiks_base_url");
                Assert.False(client.MaySendHeaders(other.BaseUrl + "/fiks/echo"), "another port");
                Assert.False(client.MaySendHeaders(M.BaseUrl + "/annet"), "outside the path prefix");
                Assert.False(client.MaySendHeaders("ikke en url"), "not a URL");
                FlowTests.CheckHeaders(client.GetHeaders(M.FiksBaseUrl + "/echo"), token);
                FiksException e = Assert.Throws<FiksException>(() => client.GetHeaders(other.BaseUrl + "/fiks/echo"), "GetHeaders(other)");
                Assert.Equal(FiksErrorKind.Usage, e.Kind, "Kind");
                Assert.DoesNotContain(M["integrasjon_passord"], e.Message, "message");
                Assert.Throws<ArgumentNullException>(() => client.MaySendHeaders(null), "null url");
            }
        }

        [Test]
        public async Task EvictTokenRenewsOncePerTokenLifetime()
        {
            using (var client = new FiksClient(M.Options()))
            {
                string first = client.GetAccessToken();
                Assert.True(client.EvictToken(first), "the first 401: a new token may help");
                string second = client.GetAccessToken();
                Assert.False(first == second, "a new token after the eviction");
                // The token fetched after a 401 got a 401 too: Fiks refuses the integrasjon, not the token.
                Assert.False(client.EvictToken("Bearer " + second), "a 401 to the renewed token");
                Assert.Equal(second, client.GetAccessToken(), "still cached");
                Assert.True(client.EvictToken(first), "an older token: a newer one is cached already");
                Assert.Equal(2, await M.CounterAsync("token_requests"), "token requests");
                Assert.Throws<ArgumentNullException>(() => client.EvictToken(null), "null token");
            }
        }

        [Test]
        public async Task Send401RenewsOnceThroughTheNativeLibrary()
        {
            using (var client = new FiksClient(M.Options()))
            {
                client.GetAccessToken();
                await M.RevokeTokensAsync();
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "after the token was revoked");
                Assert.Equal(2, await M.CounterAsync("token_requests"), "token requests");
            }
        }
    }
}
