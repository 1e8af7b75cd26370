using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>
    /// The …Async methods over the native completion-based calls (issue 15): results, every error kind, cancellation,
    /// disposal with calls pending, and that no thread is blocked while a token is on its way. No test asserts a wall
    /// time: a long token delay at the mock only keeps a fetch pending while the test looks, and waits are failure timeouts.
    /// </summary>
    public class AsyncTests
    {
        /// <summary>Long enough that a fetch is surely still pending while a test cancels, disposes or probes.</summary>
        internal const int PendingDelayMs = 30000;

        private static readonly TimeSpan FailureTimeout = TimeSpan.FromSeconds(20);

        private static Mock M { get { return Mock.Current; } }

        /// <summary>Waits (polling the mock, at most 20 s) until it has received <paramref name="count"/> token requests.</summary>
        internal static async Task WaitForTokenRequestsAsync(int count)
        {
            DateTime giveUp = DateTime.UtcNow + FailureTimeout;
            int seen;
            while ((seen = await M.CounterAsync("token_requests").ConfigureAwait(false)) < count)
            {
                if (DateTime.UtcNow > giveUp)
                {
                    throw new AssertionException("the mock got " + seen + " token request(s), expected " + count);
                }
                await Task.Delay(10).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The token delays, one per attempt, of a test that cancels while the token is on its way and then needs that
        /// token: see <see cref="WhileTheTokenIsPendingAsync"/>.
        /// </summary>
        private static readonly int[] CancelRaceDelaysMs = { 1500, 4000, 12000 };

        /// <summary>
        /// Runs <paramref name="attempt"/> with the mock holding each token <see cref="CancelRaceDelaysMs"/> long in
        /// turn (the mock reset before each), until it returns true. An attempt returns false only when the call it
        /// cancelled had its token before the cancel took effect — a loaded machine can take longer than the delay
        /// between the mock seeing the request and the cancel — and is then repeated with a longer delay: retries
        /// within bounds, no time asserted. When no attempt could cancel in time (cancellation ignored), the test fails.
        /// </summary>
        internal static async Task WhileTheTokenIsPendingAsync(string what, Func<Task<bool>> attempt)
        {
            foreach (int delay in CancelRaceDelaysMs)
            {
                await M.ResetAsync().ConfigureAwait(false);
                await M.TokenDelayAsync(delay).ConfigureAwait(false);
                if (await attempt().ConfigureAwait(false))
                {
                    return;
                }
                Console.WriteLine("  (" + what + ": the token came before the cancel with the mock holding it "
                    + delay + " ms; trying a longer hold)");
            }
            throw new AssertionException(what + ": the call always had its token before the cancel (the mock held it up to "
                + CancelRaceDelaysMs[CancelRaceDelaysMs.Length - 1] + " ms): the cancellation was not applied");
        }

        /// <summary>Awaits <paramref name="task"/>, failing the test when it does not end within the failure timeout.</summary>
        internal static async Task Within(Task task, string what)
        {
            if (await Task.WhenAny(task, Task.Delay(FailureTimeout)).ConfigureAwait(false) != task)
            {
                throw new AssertionException(what + ": did not complete");
            }
        }

        internal static async Task<OperationCanceledException> Cancelled(Task task, CancellationToken token, string what)
        {
            await Within(task, what);
            Assert.True(task.IsCanceled, what + ": status " + task.Status);
            OperationCanceledException e = await Assert.ThrowsAsync<OperationCanceledException>(() => task, what);
            Assert.Equal(token, e.CancellationToken, what + ": the exception's token");
            return e;
        }

        // ---- results -----------------------------------------------------------------------------

        [Test]
        public async Task EachAsyncMethodSucceeds()
        {
            using (var client = new FiksClient(M.Options()))
            {
                string token = await client.GetAccessTokenAsync();
                Assert.True(token.Length > 0, "token");
                Assert.Equal(token, await client.GetAccessTokenAsync(), "the cached token");
                string other = await client.GetAccessTokenAsync(new[] { " ks:fiks " });
                Assert.Equal(token, other, "the token for the same scopes, from the cache");
                IReadOnlyDictionary<string, string> headers = await client.GetHeadersAsync();
                Assert.Equal("Bearer " + token, headers["authorization"], "Authorization");
                Assert.Equal(M["integrasjon_id"], headers["IntegrasjonId"], "IntegrasjonId");
                IReadOnlyDictionary<string, string> forUrl = await client.GetHeadersAsync(M.FiksBaseUrl + "/echo");
                Assert.Equal(3, forUrl.Count, "headers for a URL");
                FiksResponse r = await client.SendAsync("POST", "/innsyn-sok/api/v1/sok", "{\"sok\":\"byggesak\"}");
                Assert.Equal(200, r.StatusCode, "SendAsync(string)");
                FiksResponse bytes = await client.SendAsync("PUT", "/echo", Encoding.UTF8.GetBytes("{}"),
                    new[] { new KeyValuePair<string, string>("Accept", "application/json") });
                Assert.Equal(200, bytes.StatusCode, "SendAsync(byte[])");
                FiksResponse viaMethod = await client.SendAsync(HttpMethod.Get, "/echo");
                Assert.Equal(200, viaMethod.StatusCode, "SendAsync(HttpMethod)");
                FiksResponse viaMethodBytes = await client.SendAsync(HttpMethod.Post, "/echo", new byte[0], null, TimeSpan.FromSeconds(30));
                Assert.Equal(200, viaMethodBytes.StatusCode, "SendAsync(HttpMethod, byte[])");
                Assert.Equal(200, client.Send(HttpMethod.Get, "/echo").StatusCode, "Send(HttpMethod)");
                Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
            }
        }

        [Test]
        public async Task ColdAsyncCallsCompleteFromTheCallback()
        {
            await M.TokenDelayAsync(300);
            using (var client = new FiksClient(M.Options()))
            {
                Task<IReadOnlyDictionary<string, string>> headers = client.GetHeadersAsync();
                Task<string> token = client.GetAccessTokenAsync();
                Task<FiksResponse> answer = client.SendAsync(HttpMethod.Get, "/echo");
                await Within(Task.WhenAll(headers, token, answer), "cold calls");
                Assert.Equal("Bearer " + token.Result, headers.Result["Authorization"], "the one token");
                Assert.Equal(200, answer.Result.StatusCode, "SendAsync");
                Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
            }
        }

        [Test]
        public void IFiksClientIsTheClient()
        {
            using (IFiksClient client = new FiksClient(M.Options()))
            {
                Assert.True(client.GetHeadersAsync().Result.ContainsKey("IntegrasjonPassord"), "through the interface");
            }
        }

        // ---- errors ------------------------------------------------------------------------------

        [Test]
        public async Task TokenRefusedFaultsTheTask()
        {
            FiksClientOptions options = M.Options();
            options.Issuer = "ukjent-klient";
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                FiksTokenException e = await Assert.ThrowsAsync<FiksTokenException>(() => client.GetHeadersAsync(), "GetHeadersAsync");
                Assert.Equal("maskinporten_refused", e.Problem, "Problem");
                Assert.Equal("invalid_client", e.OAuthError, "OAuthError");
                Assert.Equal("MP-100", e.MaskinportenCode, "MaskinportenCode");
                Assert.Equal("token", e.KindName, "KindName");
                await Assert.ThrowsAsync<FiksTokenException>(() => client.GetAccessTokenAsync(), "GetAccessTokenAsync");
                await Assert.ThrowsAsync<FiksTokenException>(() => client.SendAsync("GET", "/echo"), "SendAsync");
            }
        }

        [Test]
        public async Task ApiErrorFaultsTheTask()
        {
            using (var client = new FiksClient(M.Options()))
            {
                FiksApiException e = await Assert.ThrowsAsync<FiksApiException>(() => client.SendAsync("GET", "/status/404"));
                Assert.Equal(404, e.HttpStatus, "HttpStatus");
                Assert.NotNull(e.ErrorId, "ErrorId");
                Assert.Equal(FiksErrorKind.Api, e.Kind, "Kind");
            }
        }

        [Test]
        public async Task TransportErrorFaultsTheTask()
        {
            FiksClientOptions options = M.Options();
            options.TokenEndpoint = "http://127.0.0.1:9/token";
            options.MaxRetries = 0;
            options.Timeout = TimeSpan.FromSeconds(5);
            using (var client = new FiksClient(options))
            {
                FiksTransportException e = await Assert.ThrowsAsync<FiksTransportException>(() => client.GetAccessTokenAsync());
                Assert.Equal("connect", e.Problem, "Problem");
                Assert.Null(e.HttpStatus, "HttpStatus (no answer: nothing listens)");
                Assert.True(e.IsTransient, "IsTransient");
                await Assert.ThrowsAsync<FiksTransportException>(() => client.GetHeadersAsync(), "GetHeadersAsync");
            }
        }

        [Test]
        public async Task TimeoutOfAnAsyncSend()
        {
            await M.FaultsAsync("fiks", 5, "delay:3s");
            FiksClientOptions options = M.Options();
            options.MaxRetries = 0;
            using (var client = new FiksClient(options))
            {
                FiksTransportException e = await Assert.ThrowsAsync<FiksTransportException>(
                    () => client.SendAsync("GET", "/echo", null, TimeSpan.FromMilliseconds(300)));
                Assert.Equal("timeout", e.Problem, "Problem");
            }
        }

        [Test]
        public async Task HeadersForAForeignUrlFaultAtOnceWithoutAToken()
        {
            using (var client = new FiksClient(M.Options()))
            {
                Task<IReadOnlyDictionary<string, string>> refused = client.GetHeadersAsync("https://evil.example/steal");
                Assert.True(refused.IsFaulted, "the policy is checked before the call starts: " + refused.Status);
                FiksException e = await Assert.ThrowsAsync<FiksException>(() => refused);
                Assert.Equal(FiksErrorKind.Usage, e.Kind, "Kind");
                Assert.Null(e.HttpStatus, "HttpStatus of a usage error");
                Assert.Equal(0, await M.CounterAsync("token_requests"), "token requests");
                await client.GetHeadersAsync();
                FiksException cached = await Assert.ThrowsAsync<FiksException>(() => client.GetHeadersAsync("https://evil.example/steal"));
                Assert.Equal(FiksErrorKind.Usage, cached.Kind, "Kind with a cached token");
                Assert.Null(cached.HttpStatus, "HttpStatus of a usage error with a cached token");
                await Assert.ThrowsAsync<FiksException>(() => client.SendAsync("GET", "https://evil.example/steal"), "SendAsync to a foreign URL");
            }
        }

        [Test]
        public void InvalidArgumentsThrowArgumentExceptions()
        {
            using (var client = new FiksClient(M.Options()))
            {
                Assert.Throws<ArgumentNullException>(() => client.GetHeadersAsync(null), "url");
                Assert.Throws<ArgumentException>(() => client.GetHeadersAsync("http://x/\0"), "url with NUL");
                Assert.Throws<ArgumentNullException>(() => client.GetAccessTokenAsync((IEnumerable<string>)null), "scopes");
                Assert.Throws<ArgumentException>(() => client.GetAccessTokenAsync(new[] { " " }), "no scope");
                Assert.Throws<ArgumentNullException>(() => client.SendAsync((string)null, "/echo"), "method");
                Assert.Throws<ArgumentNullException>(() => client.SendAsync((HttpMethod)null, "/echo"), "HttpMethod");
                Assert.Throws<ArgumentNullException>(() => client.SendAsync("GET", null), "path");
                Assert.Throws<ArgumentNullException>(() => client.Send((HttpMethod)null, "/echo"), "Send(HttpMethod)");
                Assert.Throws<ArgumentNullException>(() => new FiksAuthenticationHandler((IFiksClient)null), "handler");
            }
        }

        [Test(Offline = true)]
        public void CancelledKindIsMapped()
        {
            var e = new FiksException(FiksErrorKind.Cancelled, "x");
            Assert.Equal("cancelled", e.KindName, "KindName");
            Assert.Null(e.HttpStatus, "HttpStatus");
            Assert.Equal(9, (int)FiksErrorKind.Cancelled, "the fiks_status value");
        }

        /// <summary>Maps what a native completion delivers to the exception the library would build (null on success).</summary>
        private static readonly NativeMethods.TokenCallback CaptureToken = (userData, status, token, error) =>
        {
            GCHandle state = GCHandle.FromIntPtr(userData);
            var done = (TaskCompletionSource<FiksException>)state.Target;
            state.Free();
            try
            {
                if (token != IntPtr.Zero)
                {
                    NativeMethods.fiks_string_free(token);
                }
                done.TrySetResult(status == FiksStatus.Ok ? null : ErrorMapper.ToException(status, ErrorHandle.Adopt(error)));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        };

        /// <summary>
        /// The error the C ABI hands a cancelled call (FIKS_ERROR_CANCELLED, problem <c>cancelled</c>), read the way every
        /// native error is: no HTTP answer, so HttpStatus is null. (The …Async methods turn it into a Canceled task;
        /// this drives the C ABI directly to see the exception itself.)
        /// </summary>
        [Test]
        public async Task ACancelledNativeCallHasNoHttpStatus()
        {
            await M.TokenDelayAsync(PendingDelayMs);
            using (ConfigHandle config = ConfigHandle.Create())
            {
                IntPtr error;
                ErrorMapper.Check(NativeMethods.fiks_config_load_file(config, Utf8.ToNative(M["config"], "config"), out error), error);
                ClientHandle client;
                FiksStatus status = NativeMethods.fiks_client_new(config, out client, out error);
                ErrorMapper.Check(status, error);
                client.Track();
                using (client)
                {
                    var done = new TaskCompletionSource<FiksException>(TaskCreationOptions.RunContinuationsAsynchronously);
                    GCHandle state = GCHandle.Alloc(done);
                    IntPtr call;
                    status = NativeMethods.fiks_client_access_token_async(client, null, CaptureToken, GCHandle.ToIntPtr(state), out call, out error);
                    if (status != FiksStatus.Ok)
                    {
                        state.Free();
                    }
                    ErrorMapper.Check(status, error);
                    try
                    {
                        await WaitForTokenRequestsAsync(1);
                        NativeMethods.fiks_call_cancel(call);
                        await Within(done.Task, "the cancelled call's callback");
                    }
                    finally
                    {
                        NativeMethods.fiks_call_free(call);
                    }
                    FiksException e = await done.Task;
                    Assert.NotNull(e, "the cancelled call succeeded");
                    Assert.Equal(FiksErrorKind.Cancelled, e.Kind, "Kind");
                    Assert.Equal("cancelled", e.KindName, "KindName");
                    Assert.Equal("cancelled", e.Problem, "Problem");
                    Assert.Null(e.HttpStatus, "HttpStatus of a cancelled call");
                    Assert.False(e.IsTransient, "IsTransient");
                }
            }
        }

        // ---- cancellation ------------------------------------------------------------------------

        [Test]
        public async Task CancelledBeforeTheStartSendsNothing()
        {
            using (var client = new FiksClient(M.Options()))
            using (var cts = new CancellationTokenSource())
            {
                cts.Cancel();
                await Cancelled(client.GetHeadersAsync(cts.Token), cts.Token, "GetHeadersAsync");
                await Cancelled(client.GetHeadersAsync(M.FiksBaseUrl + "/echo", cts.Token), cts.Token, "GetHeadersAsync(url)");
                await Cancelled(client.GetAccessTokenAsync(cts.Token), cts.Token, "GetAccessTokenAsync");
                await Cancelled(client.GetAccessTokenAsync(new[] { "ks:fiks" }, cts.Token), cts.Token, "GetAccessTokenAsync(scopes)");
                await Cancelled(client.SendAsync("GET", "/echo", null, null, cts.Token), cts.Token, "SendAsync");
                Assert.Equal(0, await M.CounterAsync("token_requests"), "token requests");
                Assert.Equal(0, await M.CounterAsync("fiks_requests"), "fiks requests");
            }
        }

        [Test]
        public async Task CancelledWhileTheTokenIsOnItsWay()
        {
            await M.TokenDelayAsync(PendingDelayMs);
            using (var client = new FiksClient(M.Options()))
            using (var cts = new CancellationTokenSource())
            {
                Task<IReadOnlyDictionary<string, string>> headers = client.GetHeadersAsync(cts.Token);
                Task<string> token = client.GetAccessTokenAsync(new[] { "ks:fiks" }, cts.Token);
                Task<FiksResponse> answer = client.SendAsync(HttpMethod.Get, "/echo", null, null, cts.Token);
                await WaitForTokenRequestsAsync(1);
                Assert.False(headers.IsCompleted || token.IsCompleted || answer.IsCompleted, "pending while the mock holds the token");
                cts.Cancel();
                await Cancelled(headers, cts.Token, "GetHeadersAsync");
                await Cancelled(token, cts.Token, "GetAccessTokenAsync(scopes)");
                await Cancelled(answer, cts.Token, "SendAsync");
            }
        }

        [Test]
        public async Task CancellingOneWaiterLeavesTheOther()
        {
            await WhileTheTokenIsPendingAsync("cancelling one of three waiters", async () =>
            {
                using (var client = new FiksClient(M.Options()))
                using (var cts = new CancellationTokenSource())
                {
                    Task<IReadOnlyDictionary<string, string>> cancelled = client.GetHeadersAsync(cts.Token);
                    Task<IReadOnlyDictionary<string, string>> other = client.GetHeadersAsync();
                    Task<string> third = client.GetAccessTokenAsync(CancellationToken.None);
                    await WaitForTokenRequestsAsync(1);
                    cts.Cancel();
                    await Within(cancelled.ContinueWith(_ => { }), "the cancelled waiter");
                    await Within(Task.WhenAll(other, third), "the other waiters");
                    Assert.Equal("Bearer " + third.Result, other.Result["Authorization"], "the other waiter's headers");
                    Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
                    if (cancelled.Status == TaskStatus.RanToCompletion)
                    {
                        return false;
                    }
                    await Cancelled(cancelled, cts.Token, "the cancelled waiter");
                    return true;
                }
            });
        }

        [Test]
        public async Task CancellingAfterCompletionChangesNothing()
        {
            using (var client = new FiksClient(M.Options()))
            using (var cts = new CancellationTokenSource())
            {
                string token = await client.GetAccessTokenAsync(new[] { "ks:fiks" }, cts.Token);
                IReadOnlyDictionary<string, string> headers = await client.GetHeadersAsync(cts.Token);
                cts.Cancel();
                Assert.True(token.Length > 0 && headers.Count == 3, "results");
                // Many short calls with a cancellable token: registrations are disposed on completion.
                for (int i = 0; i < 200; i++)
                {
                    using (var each = new CancellationTokenSource())
                    {
                        Task<string> t = client.GetAccessTokenAsync(new[] { "ks:fiks" }, each.Token);
                        if (i % 2 == 0)
                        {
                            each.Cancel();
                        }
                        await Within(t.ContinueWith(_ => { }), "call " + i);
                        Assert.True(t.Status == TaskStatus.RanToCompletion || t.IsCanceled, "call " + i + ": " + t.Status);
                    }
                }
            }
        }

        // ---- disposal ----------------------------------------------------------------------------

        [Test]
        public async Task DisposeEndsPendingCallsWithObjectDisposed()
        {
            await M.TokenDelayAsync(PendingDelayMs);
            Collect();
            int before = NativeHandleCounters.LiveClients;
            var client = new FiksClient(M.Options());
            using (var cts = new CancellationTokenSource())
            {
                Task<string> token = client.GetAccessTokenAsync();
                Task<IReadOnlyDictionary<string, string>> headers = client.GetHeadersAsync(cts.Token);
                Task<FiksResponse> answer = client.SendAsync("GET", "/echo");
                await WaitForTokenRequestsAsync(1);
                client.Dispose();
                // The native library runs the pending callbacks before fiks_client_free returns.
                Assert.True(token.IsCompleted && headers.IsCompleted && answer.IsCompleted, "completed when Dispose returned");
                ObjectDisposedException e = await Assert.ThrowsAsync<ObjectDisposedException>(() => token, "GetAccessTokenAsync");
                Assert.Contains("disposed", e.Message, "Message");
                await Assert.ThrowsAsync<ObjectDisposedException>(() => headers, "GetHeadersAsync");
                await Assert.ThrowsAsync<ObjectDisposedException>(() => answer, "SendAsync");
                cts.Cancel();
            }
            await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetHeadersAsync(), "after Dispose");
            await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SendAsync("GET", "/echo"), "SendAsync after Dispose");
            // At most `before`: an older abandoned client may have been finalized meanwhile.
            Assert.True(NativeHandleCounters.LiveClients <= before, "the disposed client is still live");
        }

        // ---- no thread blocked -------------------------------------------------------------------

        [Test]
        public async Task NoPoolThreadWaitsForTheToken()
        {
            await OtherWorkRunsWhileTokenPending(async (client, ct) =>
            {
                await client.GetHeadersAsync(ct).ConfigureAwait(false);
            });
        }

        [Test]
        public async Task TheHandlerWaitsForTheTokenWithoutAThread()
        {
            await OtherWorkRunsWhileTokenPending(async (client, ct) =>
            {
                using (var http = new HttpClient(new FiksAuthenticationHandler(client, new HttpClientHandler { AllowAutoRedirect = false })))
                using (HttpResponseMessage answer = await http.GetAsync(M.FiksBaseUrl + "/echo", ct).ConfigureAwait(false))
                {
                    Assert.Equal(HttpStatusCode.OK, answer.StatusCode, "status");
                }
            });
        }

        /// <summary>
        /// Limits the pool to its smallest size P (the processor count) and starts 4·P calls that need the token,
        /// which the mock holds 30 s. A call that blocked a pool thread would leave the probe queued after them until
        /// the token came; so the probe running while every call is still pending proves no call holds a thread.
        /// Then cancels them all: one token request, each task cancelled. No time is measured.
        /// </summary>
        private static async Task OtherWorkRunsWhileTokenPending(Func<FiksClient, CancellationToken, Task> call)
        {
            await M.TokenDelayAsync(PendingDelayMs);
            int minWorkers, minIo, maxWorkers, maxIo;
            ThreadPool.GetMinThreads(out minWorkers, out minIo);
            ThreadPool.GetMaxThreads(out maxWorkers, out maxIo);
            int p = Environment.ProcessorCount;
            try
            {
                Assert.True(ThreadPool.SetMinThreads(p, minIo), "SetMinThreads");
                Assert.True(ThreadPool.SetMaxThreads(p, maxIo), "SetMaxThreads");
                using (var client = new FiksClient(M.Options()))
                using (var cts = new CancellationTokenSource())
                {
                    Task[] calls = Enumerable.Range(0, 4 * p).Select(_ => Task.Run(() => call(client, cts.Token))).ToArray();
                    await WaitForTokenRequestsAsync(1).ConfigureAwait(false);
                    var probe = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    // Queued behind whatever the calls left on the pool.
                    ThreadPool.QueueUserWorkItem(_ => probe.TrySetResult(true));
                    await Within(probe.Task, "the probe on the limited pool").ConfigureAwait(false);
                    Assert.Equal(0, calls.Count(t => t.IsCompleted), "calls completed when the probe ran (the token came first)");
                    cts.Cancel();
                    await Within(Task.WhenAll(calls).ContinueWith(_ => { }), "the cancelled calls").ConfigureAwait(false);
                    Assert.Equal(calls.Length, calls.Count(t => t.IsCanceled), "cancelled calls");
                    Assert.Equal(1, await M.CounterAsync("token_requests").ConfigureAwait(false), "token requests");
                }
            }
            finally
            {
                ThreadPool.SetMaxThreads(maxWorkers, maxIo);
                ThreadPool.SetMinThreads(minWorkers, minIo);
            }
        }

        private static void Collect()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
    }
}
