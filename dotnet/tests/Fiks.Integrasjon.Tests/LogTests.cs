using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>FiksClient.SetLogHandler: the native library's events, once from core, in .NET.</summary>
    public class LogTests : IDisposable
    {
        private static Mock M { get { return Mock.Current; } }

        /// <summary>Logging is process-wide: every test leaves it off.</summary>
        public void Dispose()
        {
            FiksClient.SetLogHandler(null);
        }

        /// <summary>A thread-safe list of records (the handler runs on the library's threads).</summary>
        private sealed class Records
        {
            private readonly List<FiksLogRecord> _list = new List<FiksLogRecord>();

            internal void Add(FiksLogRecord r)
            {
                lock (_list)
                {
                    _list.Add(r);
                }
            }

            internal List<FiksLogRecord> Snapshot()
            {
                lock (_list)
                {
                    return new List<FiksLogRecord>(_list);
                }
            }

            internal int Count
            {
                get
                {
                    lock (_list)
                    {
                        return _list.Count;
                    }
                }
            }
        }

        private static string Show(IEnumerable<FiksLogRecord> records)
        {
            return string.Join("\n", records.Select(r => r.ToString()));
        }

        [Test]
        public void InfoShowsATokenFetchAndARetry()
        {
            var records = new Records();
            FiksClient.SetLogHandler(records.Add, FiksLogLevel.Info);
            // The delegate passed to native code must survive collections (Mono's GC is conservative, so this
            // shows little, but a collected delegate would crash here rather than pass).
            GC.Collect();
            GC.WaitForPendingFinalizers();
            M.FaultsAsync("fiks", 1, "503").Wait();
            using (var client = new FiksClient(M.Options()))
            {
                FiksResponse r = client.Send("GET", "/echo");
                Assert.Equal(200, r.StatusCode, "the call succeeds after one retry");
            }
            List<FiksLogRecord> seen = records.Snapshot();
            string all = Show(seen);
            Assert.True(seen.Any(x => x.Level == FiksLogLevel.Info && x.Target.StartsWith("fiks_integrasjon", StringComparison.Ordinal)
                && x.Message.Contains("fetched a Maskinporten token") && x.Message.Contains("lifetime_s=")),
                "no INFO token fetch in:\n" + all);
            FiksLogRecord retry = seen.FirstOrDefault(x => x.Level == FiksLogLevel.Info && x.Message.Contains("retrying the Fiks request"));
            Assert.NotNull(retry, "no INFO retry in:\n" + all);
            Assert.Contains("attempt=1", retry.Message, "the retry names its attempt");
            Assert.Contains("delay_ms=", retry.Message, "the retry names its delay");
            Assert.Contains("503", retry.Message, "the retry says why");
            Assert.False(seen.Any(x => x.Level > FiksLogLevel.Info), "records above INFO:\n" + all);
        }

        [Test]
        public void InfoShowsTheFinalFailure()
        {
            var records = new Records();
            FiksClient.SetLogHandler(records.Add);
            using (var client = new FiksClient(M.Options()))
            {
                Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/404"));
            }
            List<FiksLogRecord> seen = records.Snapshot();
            FiksLogRecord failed = seen.FirstOrDefault(x => x.Message.Contains("the Fiks request failed"));
            Assert.NotNull(failed, "no final failure in:\n" + Show(seen));
            Assert.Equal(FiksLogLevel.Info, failed.Level, "its level");
            Assert.Contains("status=404", failed.Message, "its status");
        }

        [Test]
        public void NoSecretAtDebug()
        {
            var records = new Records();
            FiksClient.SetLogHandler(records.Add, FiksLogLevel.Trace);
            var tokens = new List<string>();
            using (var client = new FiksClient(M.Options()))
            {
                tokens.Add(client.GetAccessToken());
                client.GetHeaders();
                client.Send("POST", "/innsyn-sok/api/v1/sok", "{\"sok\":\"byggesak\"}");
                // A revoked token: 401, a new token, the call repeated.
                M.RevokeTokensAsync().Wait();
                client.Send("GET", "/echo");
                tokens.Add(client.GetAccessToken());
                Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/404"));
            }
            FiksClientOptions wrong = M.Options();
            wrong.IntegrasjonPassord = "feil-integrasjon-passord-9876";
            using (var client = new FiksClient(wrong))
            {
                Assert.Throws<FiksApiException>(() => client.Send("GET", "/echo"));
                tokens.Add(client.GetAccessToken());
            }
            List<FiksLogRecord> seen = records.Snapshot();
            Assert.True(seen.Any(x => x.Level == FiksLogLevel.Debug), "no DEBUG record at all:\n" + Show(seen));
            Assert.True(tokens.Distinct().Count() >= 2, "the test meant to see more than one token");
            var secrets = new List<string>(tokens)
            {
                M["password"], M["integrasjon_passord"], M["person_token"], "feil-integrasjon-passord-9876",
            };
            foreach (FiksLogRecord r in seen)
            {
                foreach (string secret in secrets)
                {
                    Assert.DoesNotContain(secret, r.Target + " " + r.Message, "a log record (" + r.Level + " " + r.Target + ")");
                    // A JWT's signature alone would give the token away too.
                    string tail = secret.Length > 40 ? secret.Substring(secret.Length - 24) : null;
                    Assert.DoesNotContain(tail, r.Message, "a log record holds the end of a secret");
                }
            }
        }

        [Test]
        public void TheLevelFilters()
        {
            var records = new Records();
            FiksClient.SetLogHandler(records.Add, FiksLogLevel.Warn);
            using (var client = new FiksClient(M.Options()))
            {
                client.GetAccessToken();
                Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/404"));
            }
            List<FiksLogRecord> seen = records.Snapshot();
            Assert.False(seen.Any(x => x.Level > FiksLogLevel.Warn), "records above WARN:\n" + Show(seen));

            FiksClient.SetLogHandler(records.Add, FiksLogLevel.Off);
            int before = records.Count;
            using (var client = new FiksClient(M.Options()))
            {
                client.GetAccessToken();
            }
            Assert.Equal(before, records.Count, "records with the level Off");
        }

        [Test]
        public void HandlerExceptionsNeverReachTheCaller()
        {
            int calls = 0;
            FiksClient.SetLogHandler(r =>
            {
                Interlocked.Increment(ref calls);
                throw new InvalidOperationException("the application's logger failed");
            }, FiksLogLevel.Debug);
            M.FaultsAsync("fiks", 1, "503").Wait();
            using (var client = new FiksClient(M.Options()))
            {
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "the call is not disturbed");
                Assert.Throws<FiksApiException>(() => client.Send("GET", "/status/404"));
            }
            Assert.True(Volatile.Read(ref calls) > 0, "the handler was called");
        }

        [Test]
        public void SetLogHandlerInsideTheHandlerIsRefused()
        {
            Exception inside = null;
            FiksClient.SetLogHandler(r =>
            {
                try
                {
                    FiksClient.SetLogHandler(null);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref inside, e, null);
                }
            });
            using (var client = new FiksClient(M.Options()))
            {
                client.GetAccessToken();
            }
            Assert.NotNull(inside, "the handler ran");
            Assert.True(inside is InvalidOperationException, "got " + inside.GetType().Name + ": " + inside.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => FiksClient.SetLogHandler(r => { }, (FiksLogLevel)9), "level 9");
        }

        [Test]
        public void AReplacedHandlerIsNeverCalledAgain()
        {
            // Calls on another thread log all the time; once SetLogHandler has returned, the old handler
            // must not run again (the native side waits for running callbacks).
            var first = new Records();
            var second = new Records();
            int calls = 0;
            Exception failure = null;
            var stop = new ManualResetEventSlim(false);
            using (var client = new FiksClient(M.Options()))
            {
                var worker = new Thread(() =>
                {
                    try
                    {
                        while (!stop.IsSet)
                        {
                            client.Send("GET", "/echo");
                            Interlocked.Increment(ref calls);
                        }
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }
                });
                worker.Start();
                try
                {
                    FiksClient.SetLogHandler(first.Add, FiksLogLevel.Debug);
                    WaitFor(() => first.Count > 0, "the first handler sees the calls", ref failure);
                    FiksClient.SetLogHandler(second.Add, FiksLogLevel.Debug);
                    int firstCount = first.Count;
                    WaitFor(() => second.Count > 0, "the second handler sees the calls", ref failure);
                    int callsThen = Volatile.Read(ref calls);
                    WaitFor(() => Volatile.Read(ref calls) >= callsThen + 3, "more calls", ref failure);
                    Assert.Equal(firstCount, first.Count, "records of the replaced handler after SetLogHandler returned");

                    FiksClient.SetLogHandler(null);
                    int secondCount = second.Count;
                    callsThen = Volatile.Read(ref calls);
                    WaitFor(() => Volatile.Read(ref calls) >= callsThen + 3, "more calls", ref failure);
                    Assert.Equal(secondCount, second.Count, "records after logging was turned off");
                }
                finally
                {
                    stop.Set();
                    worker.Join();
                }
            }
            Assert.Null(failure, "the worker's calls");
        }

        /// <summary>A bounded poll: up to 60 s, failing with <paramref name="what"/>.</summary>
        private static void WaitFor(Func<bool> condition, string what, ref Exception workerFailure)
        {
            for (int i = 0; i < 1200; i++)
            {
                if (condition())
                {
                    return;
                }
                if (workerFailure != null)
                {
                    throw new AssertionException("the worker failed while waiting for: " + what + ": " + workerFailure);
                }
                Thread.Sleep(50);
            }
            throw new AssertionException("not within 60 s: " + what);
        }

        [Test(Offline = true)]
        public void FiksLogLevelMatchesTheHeader()
        {
            string header = FindHeader();
            var values = new Dictionary<string, int>();
            foreach (Match m in Regex.Matches(File.ReadAllText(header), @"\bFIKS_LOG_([A-Z]+)\s*=\s*(\d+)"))
            {
                values[m.Groups[1].Value] = int.Parse(m.Groups[2].Value);
            }
            Assert.True(values.Count > 0, "no FIKS_LOG_* values in " + header);
            var names = Enum.GetNames(typeof(FiksLogLevel));
            Assert.Equal(values.Count, names.Length, "FiksLogLevel members against fiks_log_level values");
            foreach (string name in names)
            {
                int c;
                Assert.True(values.TryGetValue(name.ToUpperInvariant(), out c), "FIKS_LOG_" + name.ToUpperInvariant() + " in the header");
                Assert.Equal(c, (int)Enum.Parse(typeof(FiksLogLevel), name), "FiksLogLevel." + name);
            }
        }

        /// <summary>bindings/c/fiks_integrasjon.h, from the working directory or the test assembly upwards.</summary>
        internal static string FindHeader()
        {
            foreach (string start in new[] { Directory.GetCurrentDirectory(), AppDomain.CurrentDomain.BaseDirectory })
            {
                for (DirectoryInfo d = new DirectoryInfo(start); d != null; d = d.Parent)
                {
                    string candidate = Path.Combine(d.FullName, "bindings", "c", "fiks_integrasjon.h");
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
            }
            throw new AssertionException("bindings/c/fiks_integrasjon.h not found above " + Directory.GetCurrentDirectory());
        }
    }
}
