using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>Dispose, finalizers and the native clients they free.</summary>
    public class LifetimeTests
    {
        private static Mock M { get { return Mock.Current; } }

        private static void Collect()
        {
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }

        [Test]
        public async Task DisposedClientThrowsObjectDisposedException()
        {
            Collect();
            int before = NativeHandleCounters.LiveClients;
            var client = new FiksClient(M.Options());
            Assert.Equal(before + 1, NativeHandleCounters.LiveClients, "live clients after new");
            client.GetAccessToken();
            client.Dispose();
            client.Dispose();
            Assert.True(client.IsDisposed, "IsDisposed");
            Assert.Equal("FiksClient (disposed)", client.ToString());
            Assert.Equal(before, NativeHandleCounters.LiveClients, "live clients after Dispose");
            Assert.Throws<ObjectDisposedException>(() => client.GetAccessToken(), "GetAccessToken");
            Assert.Throws<ObjectDisposedException>(() => client.GetHeaders(), "GetHeaders");
            Assert.Throws<ObjectDisposedException>(() => client.Send("GET", "/echo"), "Send");
            await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetAccessTokenAsync(), "GetAccessTokenAsync");
            await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SendAsync("GET", "/echo"), "SendAsync");
        }

        /// <summary>The most GC rounds a test waits for finalizers; each round is a full collection.</summary>
        private const int MaxCollectRounds = 50;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static WeakReference Abandon(bool use)
        {
            var client = new FiksClient(M.Options());
            if (use)
            {
                client.GetAccessToken();
            }
            return new WeakReference(client);
        }

        /// <summary>
        /// Runs <paramref name="work"/> on a thread of its own that has ended when this returns.
        /// Mono scans thread stacks conservatively: a stale slot on a live thread's stack (the
        /// test's own) that once held a client keeps it alive for good, while the stack of an
        /// ended thread is not scanned. So every touch of a client or of a WeakReference's target
        /// (IsAlive reads the target into a register) happens on such a thread; only
        /// WeakReferences and counts come back.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static T OnAnEndedThread<T>(Func<T> work)
        {
            T result = default(T);
            Exception failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    result = work();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            thread.Start();
            thread.Join();
            if (failure != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
            return result;
        }

        /// <summary>Makes <paramref name="count"/> clients (every other one used) and drops them, on an ended thread.</summary>
        private static WeakReference[] AbandonOnAnEndedThread(int count)
        {
            return OnAnEndedThread(() =>
            {
                var refs = new WeakReference[count];
                for (int i = 0; i < refs.Length; i++)
                {
                    refs[i] = Abandon(i % 2 == 0);
                }
                return refs;
            });
        }

        /// <summary>How many of the clients are still reachable, asked on an ended thread.</summary>
        private static int CountAlive(WeakReference[] refs)
        {
            return OnAnEndedThread(() =>
            {
                int alive = 0;
                foreach (WeakReference r in refs)
                {
                    if (r.IsAlive)
                    {
                        alive++;
                    }
                }
                return alive;
            });
        }

        [Test]
        public void FinalizerFreesAbandonedClients()
        {
            Collect();
            int before = NativeHandleCounters.LiveClients;
            WeakReference[] refs = AbandonOnAnEndedThread(10);
            Assert.Equal(before + refs.Length, NativeHandleCounters.LiveClients, "live clients");
            // Collect until every client is gone and its native client freed, within a bounded
            // number of rounds (one is normally enough); no wall-clock limit is asserted.
            int rounds = 0;
            while (rounds < MaxCollectRounds && (NativeHandleCounters.LiveClients > before || CountAlive(refs) > 0))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                rounds++;
            }
            Assert.Equal(0, CountAlive(refs), "clients still reachable after " + rounds + " GC rounds");
            // The native side: fiks_client_free ran for each (ClientHandle.ReleaseHandle counts it).
            // At most `before`: an older abandoned client may have been freed in these rounds too.
            int after = NativeHandleCounters.LiveClients;
            Assert.True(after <= before,
                "live clients after " + rounds + " GC rounds: expected <" + before + "> but was <" + after + ">");
        }

        [Test]
        public async Task DisposeWaitsForASynchronousCallInFlight()
        {
            // The …Async calls pending at Dispose end with ObjectDisposedException (AsyncTests); a synchronous call
            // holds the handle, so Dispose frees the native client only when that call has returned.
            await M.TokenDelayAsync(800);
            Collect();
            int before = NativeHandleCounters.LiveClients;
            var client = new FiksClient(M.Options());
            string token = null;
            Exception failure = null;
            var caller = new Thread(() =>
            {
                try
                {
                    token = client.GetAccessToken();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            caller.Start();
            // Dispose once the request is at the mock, so the call is surely in flight (the mock holds it 800 ms).
            await AsyncTests.WaitForTokenRequestsAsync(1);
            client.Dispose();
            Assert.True(client.IsDisposed, "IsDisposed");
            Assert.True(caller.Join(TimeSpan.FromSeconds(60)), "the call in flight did not return");
            Assert.Null(failure, "the call in flight failed");
            Assert.True(token.Length > 0, "the call in flight got no token");
            Assert.Throws<ObjectDisposedException>(() => client.GetAccessToken(), "after Dispose");
            for (int i = 0; i < 50 && NativeHandleCounters.LiveClients != before; i++)
            {
                await Task.Delay(20);
            }
            Assert.Equal(before, NativeHandleCounters.LiveClients, "live clients after the call ended");
        }

        [Test]
        public async Task AnAbandonedClientLivesUntilItsAsyncCallEnds()
        {
            await M.TokenDelayAsync(1500);
            Collect();
            int before = NativeHandleCounters.LiveClients;
            Tuple<WeakReference, Task<string>> started = OnAnEndedThread(() =>
            {
                var client = new FiksClient(M.Options());
                return Tuple.Create(new WeakReference(client), client.GetAccessTokenAsync());
            });
            WeakReference[] refs = { started.Item1 };
            Task<string> pending = started.Item2;
            await AsyncTests.WaitForTokenRequestsAsync(1);
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            // The pending call roots its native client: freed by the finalizer while still pending would be the bug.
            int live = NativeHandleCounters.LiveClients;
            bool stillPending = !pending.IsCompleted;
            Assert.True(live > before || !stillPending, "the native client was freed while its call was pending");
            string token = await pending;
            Assert.True(token.Length > 0, "token");
            // Then it is an abandoned client like any other: the finalizer frees it (bounded GC rounds, no clock).
            int rounds = 0;
            while (rounds < MaxCollectRounds && (NativeHandleCounters.LiveClients > before || CountAlive(refs) > 0))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                rounds++;
            }
            Assert.Equal(0, CountAlive(refs), "the client still reachable after " + rounds + " GC rounds");
            Assert.True(NativeHandleCounters.LiveClients <= before, "the native client not freed after " + rounds + " GC rounds");
        }

        [Test]
        public void ManyClientsComeAndGo()
        {
            Collect();
            int before = NativeHandleCounters.LiveClients;
            for (int i = 0; i < 30; i++)
            {
                using (var client = new FiksClient(M.Options()))
                {
                    if (i % 10 == 0)
                    {
                        client.GetHeaders();
                    }
                }
            }
            Assert.Equal(before, NativeHandleCounters.LiveClients, "live clients");
        }

        [Test]
        public void DisposeFromAnotherThread()
        {
            var client = new FiksClient(M.Options());
            client.GetAccessToken();
            var t = new Thread(() => client.Dispose());
            t.Start();
            t.Join();
            Assert.True(client.IsDisposed, "IsDisposed");
        }
    }
}
