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

        [Test]
        public void FinalizerFreesAbandonedClients()
        {
            Collect();
            int before = NativeHandleCounters.LiveClients;
            var refs = new WeakReference[10];
            for (int i = 0; i < refs.Length; i++)
            {
                refs[i] = Abandon(i % 2 == 0);
            }
            Assert.Equal(before + refs.Length, NativeHandleCounters.LiveClients, "live clients");
            Collect();
            foreach (WeakReference r in refs)
            {
                Assert.False(r.IsAlive, "a client was not collected");
            }
            Assert.Equal(before, NativeHandleCounters.LiveClients, "live clients after the finalizers ran");
        }

        [Test]
        public async Task DisposeWaitsForACallInFlight()
        {
            await M.TokenDelayAsync(800);
            Collect();
            int before = NativeHandleCounters.LiveClients;
            var client = new FiksClient(M.Options());
            Task<string> pending = client.GetAccessTokenAsync();
            await Task.Delay(200);
            client.Dispose();
            Assert.True(client.IsDisposed, "IsDisposed");
            string token = await pending;
            Assert.True(token.Length > 0, "the call in flight failed");
            Assert.Throws<ObjectDisposedException>(() => client.GetAccessToken(), "after Dispose");
            for (int i = 0; i < 50 && NativeHandleCounters.LiveClients != before; i++)
            {
                await Task.Delay(20);
            }
            Assert.Equal(before, NativeHandleCounters.LiveClients, "live clients after the call ended");
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
