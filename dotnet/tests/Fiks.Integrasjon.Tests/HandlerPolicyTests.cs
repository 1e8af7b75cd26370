using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon.Testing;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>
    /// FiksAuthenticationHandler and the native library's rules: where the Fiks headers may go, redirects, and
    /// one renewal after a 401. A second origin (another port on 127.0.0.1) stands for "any other host".
    /// </summary>
    public class HandlerPolicyTests
    {
        private static Mock M { get { return Mock.Current; } }

        private static readonly string[] FiksHeaderNames = { "Authorization", "IntegrasjonId", "IntegrasjonPassord" };

        private static HttpClient Http(FiksClient client, Action<FiksAuthenticationHandler> configure = null)
        {
            var handler = new FiksAuthenticationHandler(client, new HttpClientHandler { AllowAutoRedirect = false });
            if (configure != null)
            {
                configure(handler);
            }
            return new HttpClient(handler);
        }

        private static void AssertNoFiksHeaders(SeenRequest seen, string what)
        {
            foreach (string name in FiksHeaderNames)
            {
                Assert.Null(seen.Header(name), what + ": " + name);
            }
        }

        private static void AssertFiksHeaders(SeenRequest seen, string what)
        {
            foreach (string name in FiksHeaderNames)
            {
                Assert.NotNull(seen.Header(name), what + ": " + name);
            }
        }

        [Test]
        public async Task HeadersGoOnlyToTheFiksOrigins()
        {
            using (var other = new SecondOrigin())
            using (var client = new FiksClient(M.Options()))
            using (HttpClient http = Http(client))
            {
                // A Fiks URL gets them (the mock answers /echo only with valid Fiks headers) ...
                using (HttpResponseMessage echo = await http.GetAsync(M.FiksBaseUrl + "/echo"))
                {
                    Assert.Equal(HttpStatusCode.OK, echo.StatusCode, "echo on the Fiks origin");
                }
                // ... another origin, with the same path, gets none of them, and the request is otherwise untouched.
                var request = new HttpRequestMessage(HttpMethod.Get, other.BaseUrl + "/fiks/echo");
                request.Headers.TryAddWithoutValidation("X-Eget", "beholdes");
                using (HttpResponseMessage answer = await http.SendAsync(request))
                {
                    Assert.Equal(HttpStatusCode.OK, answer.StatusCode, "second origin");
                }
                SeenRequest seen = other.Requests[0];
                AssertNoFiksHeaders(seen, "the second origin");
                Assert.Equal("beholdes", seen.Header("X-Eget"), "the caller's own header");
                Assert.False(client.MaySendHeaders(other.BaseUrl + "/fiks/echo"), "MaySendHeaders(second origin)");
                Assert.True(client.MaySendHeaders(M.FiksBaseUrl + "/echo"), "MaySendHeaders(Fiks)");
                Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
            }
        }

        [Test]
        public async Task BaseAddressNarrowsButNeverWidens()
        {
            using (var other = new SecondOrigin())
            using (var client = new FiksClient(M.Options()))
            {
                using (HttpClient http = Http(client, h => h.BaseAddress = new Uri(other.BaseUrl + "/")))
                using (HttpResponseMessage answer = await http.GetAsync(other.BaseUrl + "/fiks/echo"))
                {
                    Assert.Equal(HttpStatusCode.OK, answer.StatusCode, "second origin");
                    AssertNoFiksHeaders(other.Requests[0], "a BaseAddress outside the Fiks origins");
                }
                using (HttpClient http = Http(client, h => h.BaseAddress = new Uri(M.FiksBaseUrl + "/annet/")))
                using (HttpResponseMessage answer = await http.GetAsync(M.FiksBaseUrl + "/echo"))
                {
                    Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode, "a Fiks URL outside BaseAddress gets no headers");
                }
                Assert.Equal(0, await M.CounterAsync("token_requests"), "token requests");
            }
        }

        [Test]
        public async Task AllowedOriginsWidenThroughTheConfiguration()
        {
            using (var other = new SecondOrigin())
            {
                FiksClientOptions options = M.Options();
                options.AllowedOrigins = other.BaseUrl;
                using (var client = new FiksClient(options))
                using (HttpClient http = Http(client))
                using (HttpResponseMessage answer = await http.GetAsync(other.BaseUrl + "/svarut/forsendelse"))
                {
                    Assert.Equal(HttpStatusCode.OK, answer.StatusCode, "allowed origin");
                    AssertFiksHeaders(other.Requests[0], "an origin in allowed_origins");
                    Assert.Equal(M["integrasjon_passord"], other.Requests[0].Header("IntegrasjonPassord"), "IntegrasjonPassord");
                }
            }
        }

        /// <summary>A pass-through handler, as IHttpClientFactory puts between ours and the primary handler.</summary>
        private sealed class PassThrough : DelegatingHandler
        {
            internal PassThrough(HttpMessageHandler inner) : base(inner)
            {
            }
        }

        [Test]
        public async Task ARedirectToAnotherOriginNeverCarriesIntegrasjonPassord()
        {
            using (var landing = new SecondOrigin())
            using (var fiks = new SecondOrigin(landing.BaseUrl + "/landing"))
            {
                // `fiks` plays the Fiks API (fiks_base_url) and redirects every request to `landing`, another origin.
                FiksClientOptions options = M.Options();
                options.FiksBaseUrl = fiks.BaseUrl + "/fiks";
                using (var client = new FiksClient(options))
                {
                    foreach (HttpMessageHandler inner in new HttpMessageHandler[] { new HttpClientHandler(), new PassThrough(new HttpClientHandler()) })
                    {
                        Exception failure = null;
                        using (var http = new HttpClient(new FiksAuthenticationHandler(client, inner)))
                        {
                            try
                            {
                                using (await http.GetAsync(fiks.BaseUrl + "/fiks/svarinn/api/v1/mottatt"))
                                {
                                }
                            }
                            catch (Exception e)
                            {
                                failure = e;
                            }
                        }
                        foreach (SeenRequest seen in landing.Requests)
                        {
                            Assert.Null(seen.Header("IntegrasjonPassord"), "IntegrasjonPassord at the redirect target");
                        }
                        var refused = failure as FiksException;
                        Assert.NotNull(refused, "an inner handler that follows redirects is refused (got " + failure + ")");
                        Assert.Equal(FiksErrorKind.Usage, refused.Kind, "Kind");
                        Assert.Null(refused.HttpStatus, "HttpStatus of a usage error");
                        Assert.Contains("AllowAutoRedirect = false", refused.Message, "the message says what to do");
                        Assert.Equal(0, fiks.Requests.Count + landing.Requests.Count, "requests sent through a refused handler");
                    }

                    // Without automatic redirects the 3xx comes back; following it by hand gets no Fiks headers.
                    using (HttpClient http = Http(client))
                    {
                        using (HttpResponseMessage answer = await http.GetAsync(fiks.BaseUrl + "/fiks/svarinn/api/v1/mottatt"))
                        {
                            Assert.Equal(HttpStatusCode.Found, answer.StatusCode, "the redirect itself");
                            AssertFiksHeaders(fiks.Requests[0], "the Fiks origin");
                            Assert.Equal(0, landing.Requests.Count, "requests at the redirect target");
                            using (HttpResponseMessage followed = await http.GetAsync(answer.Headers.Location))
                            {
                                Assert.Equal(HttpStatusCode.OK, followed.StatusCode, "the redirect target");
                            }
                        }
                        AssertNoFiksHeaders(landing.Requests[0], "the redirect target, followed by hand");
                    }
                }
            }
        }

        [Test]
        public async Task A401RenewsTheTokenAndRepeatsTheRequestOnce()
        {
            // No content, and content held in memory: repeated with a fresh token.
            foreach (Func<HttpRequestMessage> make in new Func<HttpRequestMessage>[]
            {
                () => new HttpRequestMessage(HttpMethod.Get, M.FiksBaseUrl + "/echo"),
                () => new HttpRequestMessage(HttpMethod.Post, M.FiksBaseUrl + "/echo")
                {
                    Content = new StringContent("{\"hei\":1}", Encoding.UTF8, "application/json"),
                },
            })
            {
                using (var client = new FiksClient(M.Options()))
                using (HttpClient http = Http(client))
                {
                    int tokens = await M.CounterAsync("token_requests");
                    int calls = await M.CounterAsync("fiks_requests");
                    string revoked = client.GetAccessToken();
                    await M.RevokeTokensAsync();
                    using (HttpRequestMessage request = make())
                    using (HttpResponseMessage answer = await http.SendAsync(request))
                    {
                        string text = await answer.Content.ReadAsStringAsync();
                        Assert.Equal(HttpStatusCode.OK, answer.StatusCode, request.Method + " after the token was revoked: " + text);
                        if (request.Content != null)
                        {
                            Assert.Equal("{\"hei\":1}", MiniJson.Find(MiniJson.Parse(text), "body") as string, "the body sent again");
                        }
                    }
                    Assert.Equal(tokens + 2, await M.CounterAsync("token_requests"), "token requests (for the revoked token, then a fresh one)");
                    Assert.Equal(calls + 2, await M.CounterAsync("fiks_requests"), "fiks requests (a 401, then the repeat)");
                    Assert.False(revoked == client.GetAccessToken(), "the revoked token is still cached");
                }
            }
        }

        [Test]
        public async Task A401WithStreamedContentIsNotRepeatedButTheTokenIsRenewed()
        {
            using (var client = new FiksClient(M.Options()))
            using (HttpClient http = Http(client))
            {
                client.GetAccessToken();
                await M.RevokeTokensAsync();
                var request = new HttpRequestMessage(HttpMethod.Post, M.FiksBaseUrl + "/echo")
                {
                    Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"hei\":1}"))),
                };
                using (HttpResponseMessage answer = await http.SendAsync(request))
                {
                    Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode, "a stream cannot be sent twice");
                }
                Assert.Equal(1, await M.CounterAsync("fiks_requests"), "fiks requests");
                using (HttpResponseMessage answer = await http.GetAsync(M.FiksBaseUrl + "/echo"))
                {
                    Assert.Equal(HttpStatusCode.OK, answer.StatusCode, "the next call, with a new token");
                }
                Assert.Equal(2, await M.CounterAsync("token_requests"), "token requests");
                Assert.Equal(2, await M.CounterAsync("fiks_requests"), "fiks requests");
            }
        }

        [Test]
        public async Task AWrongIntegrasjonPassordCausesAtMostTwoTokenRequests()
        {
            FiksClientOptions options = M.Options();
            options.IntegrasjonPassord = "feil-passord";
            const int calls = 6;
            using (var client = new FiksClient(options))
            using (HttpClient http = Http(client))
            {
                for (int i = 0; i < calls; i++)
                {
                    using (HttpResponseMessage answer = await http.GetAsync(M.FiksBaseUrl + "/echo"))
                    {
                        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode, "call " + i);
                    }
                }
            }
            int tokens = await M.CounterAsync("token_requests");
            Assert.True(tokens >= 1 && tokens <= 2, calls + " calls with a wrong IntegrasjonPassord made " + tokens + " token requests");
        }
    }
}
