using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon.Testing;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>FiksAuthenticationHandler with a real HttpClient against the mock, and with a recording inner handler.</summary>
    public class HandlerTests
    {
        private static Mock M { get { return Mock.Current; } }

        private sealed class RecordingHandler : HttpMessageHandler
        {
            internal readonly List<HttpRequestMessage> Requests = new List<HttpRequestMessage>();

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                lock (Requests)
                {
                    Requests.Add(request);
                }
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
            }
        }

        /// <summary>A UI-like context whose thread is blocked: anything posted to it never runs.</summary>
        private sealed class BlockedContext : SynchronizationContext
        {
            internal int Posts;

            public override void Post(SendOrPostCallback d, object state)
            {
                Interlocked.Increment(ref Posts);
            }

            public override void Send(SendOrPostCallback d, object state)
            {
                Interlocked.Increment(ref Posts);
            }
        }

        private static string Header(HttpRequestMessage request, string name)
        {
            IEnumerable<string> values;
            return request.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
        }

        [Test]
        public async Task HttpClientCallCarriesTheFiksHeaders()
        {
            using (var client = new FiksClient(M.Options()))
            using (var http = new HttpClient(new FiksAuthenticationHandler(client) { InnerHandler = new HttpClientHandler { AllowAutoRedirect = false } }))
            {
                http.BaseAddress = new Uri(M.FiksBaseUrl + "/");
                string token = client.GetAccessToken();

                using (HttpResponseMessage echo = await http.GetAsync("echo"))
                {
                    string text = await echo.Content.ReadAsStringAsync();
                    Assert.Equal(HttpStatusCode.OK, echo.StatusCode, "echo status: " + text);
                    // The mock answers /echo only when the token and the integration credentials are valid,
                    // and echoes neither the token nor the password.
                    object json = MiniJson.Parse(text);
                    Assert.Equal(true, MiniJson.Find(json, "authorization_present"), "authorization_present");
                    Assert.Equal(M["integrasjon_id"], MiniJson.Find(json, "integrasjonid") as string, "IntegrasjonId");
                    Assert.Equal("maskinporten", MiniJson.Find(MiniJson.Find(json, "token"), "kind") as string, "token kind");
                    Assert.DoesNotContain(token, text, "echo");
                }

                using (var plain = new HttpClient())
                using (HttpResponseMessage refused = await plain.GetAsync(M.FiksBaseUrl + "/echo"))
                {
                    Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode, "echo without the handler");
                }

                using (var content = new StringContent("{\"sok\":\"byggesak\"}", Encoding.UTF8, "application/json"))
                using (HttpResponseMessage sok = await http.PostAsync("innsyn-sok/api/v1/sok", content))
                {
                    Assert.Equal(HttpStatusCode.OK, sok.StatusCode, "sok status");
                }

                using (HttpResponseMessage notFound = await http.GetAsync("status/404"))
                {
                    Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode, "status/404");
                    FiksError error;
                    Assert.True(FiksError.TryParse(await notFound.Content.ReadAsByteArrayAsync(), (int)notFound.StatusCode, out error), "TryParse");
                    Assert.Equal(404, error.Status.GetValueOrDefault(), "Status");
                    Assert.NotNull(error.ErrorId, "ErrorId");
                    Assert.Equal("MOCK_FEIL", error.ErrorCode, "ErrorCode");
                }
                Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
            }
        }

        [Test]
        public async Task HandlerReplacesHeadersAndRespectsBaseAddress()
        {
            using (var client = new FiksClient(M.Options()))
            {
                var recorder = new RecordingHandler();
                var handler = new FiksAuthenticationHandler(client, recorder) { BaseAddress = new Uri(M.FiksBaseUrl + "/") };
                Assert.True(ReferenceEquals(client, handler.Client), "Client");
                using (var invoker = new HttpMessageInvoker(handler))
                {
                    var inside = new HttpRequestMessage(HttpMethod.Get, M.FiksBaseUrl + "/echo");
                    inside.Headers.TryAddWithoutValidation("IntegrasjonId", "gammel");
                    inside.Headers.TryAddWithoutValidation("Authorization", "Bearer gammel");
                    await invoker.SendAsync(inside, CancellationToken.None);
                    var outside = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:9/annet");
                    await invoker.SendAsync(outside, CancellationToken.None);
                    var root = new HttpRequestMessage(HttpMethod.Get, M.FiksBaseUrl);
                    await invoker.SendAsync(root, CancellationToken.None);
                }
                string token = client.GetAccessToken();
                HttpRequestMessage first = recorder.Requests[0];
                Assert.Equal("Bearer " + token, Header(first, "Authorization"), "Authorization replaced");
                Assert.Equal(M["integrasjon_id"], Header(first, "IntegrasjonId"), "IntegrasjonId replaced");
                Assert.Equal(M["integrasjon_passord"], Header(first, "IntegrasjonPassord"), "IntegrasjonPassord");
                HttpRequestMessage second = recorder.Requests[1];
                Assert.Null(Header(second, "Authorization"), "Authorization outside BaseAddress");
                Assert.Null(Header(second, "IntegrasjonPassord"), "IntegrasjonPassord outside BaseAddress");
                // Whether the base URL itself (no trailing slash) gets them is the native library's rule, not the handler's.
                Assert.Equal(client.MaySendHeaders(M.FiksBaseUrl), Header(recorder.Requests[2], "IntegrasjonId") != null,
                    "IntegrasjonId at the base URL without its slash follows MaySendHeaders");
            }
        }

        [Test]
        public void HandlerDoesNotNeedTheCallersContext()
        {
            using (var client = new FiksClient(M.Options()))
            {
                var recorder = new RecordingHandler();
                var context = new BlockedContext();
                HttpResponseMessage response = null;
                Exception failure = null;
                var thread = new Thread(() =>
                {
                    SynchronizationContext.SetSynchronizationContext(context);
                    try
                    {
                        using (var invoker = new HttpMessageInvoker(new FiksAuthenticationHandler(client, recorder)))
                        {
                            // The classic deadlock: blocking on .Result on a thread whose context cannot run continuations.
                            Task<HttpResponseMessage> t = invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, M.FiksBaseUrl + "/echo"), CancellationToken.None);
                            if (t.Wait(TimeSpan.FromSeconds(30)))
                            {
                                response = t.Result;
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }
                });
                thread.Start();
                thread.Join();
                Assert.Null(failure, "failure");
                Assert.NotNull(response, "the call deadlocked on the caller's context");
                Assert.Equal(0, context.Posts, "posts to the caller's context");
                Assert.NotNull(Header(recorder.Requests.Single(), "IntegrasjonId"), "IntegrasjonId");
            }
        }

        [Test]
        public async Task HandlerFailsWithTheTokenErrorAndSendsNothing()
        {
            FiksClientOptions options = M.Options();
            options.Audience = M.BaseUrl + "/not-maskinporten/";
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                var recorder = new RecordingHandler();
                using (var http = new HttpClient(new FiksAuthenticationHandler(client, recorder)))
                {
                    FiksTokenException e = await Assert.ThrowsAsync<FiksTokenException>(() => http.GetAsync(M.FiksBaseUrl + "/echo"));
                    Assert.Equal("invalid_grant", e.OAuthError, "OAuthError");
                    Assert.Equal(400, e.HttpStatus, "HttpStatus of the token endpoint's answer");
                    Assert.Equal(0, recorder.Requests.Count, "requests sent without a token");
                }
            }
        }

        [Test(Offline = true)]
        public void HandlerNeedsAClient()
        {
            Assert.Throws<ArgumentNullException>(() => new FiksAuthenticationHandler(null));
            Assert.Throws<ArgumentNullException>(() => new FiksAuthenticationHandler(null, new HttpClientHandler()));
        }
    }
}
