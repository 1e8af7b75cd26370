using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>One client shared by many tasks and threads.</summary>
    public class ConcurrencyTests
    {
        private static Mock M { get { return Mock.Current; } }

        [Test]
        public async Task SixteenTasksCauseOneTokenRequest()
        {
            await M.TokenDelayAsync(500);
            using (var client = new FiksClient(M.Options()))
            {
                Task<string>[] tasks = Enumerable.Range(0, 16).Select(_ => client.GetAccessTokenAsync()).ToArray();
                string[] tokens = await Task.WhenAll(tasks);
                Assert.Equal(1, tokens.Distinct().Count(), "distinct tokens");
                Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
            }
        }

        [Test]
        public async Task SixteenHttpClientCallsCauseOneTokenRequest()
        {
            await M.TokenDelayAsync(300);
            using (var client = new FiksClient(M.Options()))
            using (var http = new HttpClient(new FiksAuthenticationHandler(client) { InnerHandler = new HttpClientHandler { AllowAutoRedirect = false } }))
            {
                http.BaseAddress = new Uri(M.FiksBaseUrl + "/");
                HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => http.GetAsync("echo")));
                foreach (HttpResponseMessage a in answers)
                {
                    Assert.True(a.IsSuccessStatusCode, "status " + (int)a.StatusCode);
                    a.Dispose();
                }
                Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
            }
        }

        [Test]
        public void ThreadsSendAtOnce()
        {
            using (var client = new FiksClient(M.Options()))
            {
                var errors = new List<Exception>();
                Thread[] threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
                {
                    try
                    {
                        for (int n = 0; n < 5; n++)
                        {
                            FiksResponse r = client.Send("POST", "/innsyn-sok/api/v1/sok", "{\"sok\":\"tråd " + i + "\"}");
                            Assert.Equal(200, r.StatusCode, "status");
                            FiksApiException e = Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/404"));
                            Assert.NotNull(e.ErrorId, "ErrorId");
                        }
                    }
                    catch (Exception e)
                    {
                        lock (errors)
                        {
                            errors.Add(e);
                        }
                    }
                })).ToArray();
                foreach (Thread t in threads)
                {
                    t.Start();
                }
                foreach (Thread t in threads)
                {
                    t.Join();
                }
                Assert.Equal(0, errors.Count, errors.Count > 0 ? errors[0].ToString() : "");
                Assert.Equal(1, M.CounterAsync("token_requests").Result, "token requests");
            }
        }

        [Test]
        public async Task CancellingStopsTheWait()
        {
            // Cancelled once the request is at the mock (no clock: see AsyncTests.WhileTheTokenIsPendingAsync).
            await AsyncTests.WhileTheTokenIsPendingAsync("cancelling the only waiter", async () =>
            {
                using (var client = new FiksClient(M.Options()))
                using (var cts = new CancellationTokenSource())
                {
                    Task<string> waiting = client.GetAccessTokenAsync(cts.Token);
                    await AsyncTests.WaitForTokenRequestsAsync(1);
                    cts.Cancel();
                    await AsyncTests.Within(waiting.ContinueWith(_ => { }), "the cancelled wait");
                    if (waiting.Status == TaskStatus.RanToCompletion)
                    {
                        return false;
                    }
                    OperationCanceledException e = await Assert.ThrowsAsync<OperationCanceledException>(() => waiting, "the cancelled wait");
                    Assert.Equal(cts.Token, e.CancellationToken, "the exception's token");

                    // The abandoned fetch goes on and fills the cache: the next caller gets its token, no second request.
                    Assert.True((await client.GetAccessTokenAsync()).Length > 0, "token after cancellation");
                    Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
                    return true;
                }
            });

            using (var client = new FiksClient(M.Options()))
            {
                Task<FiksResponse> t = client.SendAsync("GET", "/echo", cancellationToken: new CancellationToken(true));
                Assert.True(t.IsCanceled, "a call with a cancelled token does not start: " + t.Status);
            }
        }

        [Test]
        public async Task ExpiredTokenIsRenewed()
        {
            await M.TokenLifetimeAsync(2);
            using (var client = new FiksClient(M.Options()))
            {
                string a = client.GetAccessToken();
                await Task.Delay(2300);
                string b = client.GetAccessToken();
                Assert.False(a == b, "an expired token was handed out");
                Assert.True(await M.CounterAsync("token_requests") >= 2, "token requests");
            }
        }
    }
}
