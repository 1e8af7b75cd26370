// The .NET figures of BENCHMARKS.md (figure 1 through Fiks.Integrasjon): cached GetHeaders() and
// GetAccessToken() of one FiksClient, the way a fagsystem calls them before each request.
// Built with mcs and run under Mono by scripts/bench, against the mock over loopback:
//
//   mono Bench.exe CONFIG.toml OUT.json [--quick]
//
// A cached read takes far less than a Stopwatch tick resolves reliably, so calls are timed in
// batches of 1,000 (batch time / calls, loop overhead included, as in a user's loop); the median
// and p99 are over the batches. The first batches (JIT, the first token) are thrown away.
// Writes one JSON object that benches/report.py reads. Asserts no timings.
//
// Issue 15 (async across the boundary), under ThreadPool.SetMinThreads(4, 4): the mock holds the token
// 3 s (300 ms with --quick or FIKS_BENCH_QUICK=1) and 256 (64) GetHeadersAsync calls start on a cold
// cache while an unrelated `await Task.Delay(50)` heartbeat runs; keys "async_cold" (all_done_ms,
// heartbeat_worst_late_ms, max_busy_pool_threads (while waiting) and max_busy_pool_threads_overall, token_requests, callers, token_delay_ms) and
// "cached_headers_async" (GetHeadersAsync on a cached token, as cached_headers) with
// "cached_async_vs_sync" (its median over cached_headers' median).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon;

internal static class Bench
{
    private const int CallsPerBatch = 1000;

    private static int Main(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: mono Bench.exe CONFIG.toml OUT.json [--quick]");
            return 2;
        }
        bool quick = (args.Length > 2 && args[2] == "--quick") || Environment.GetEnvironmentVariable("FIKS_BENCH_QUICK") == "1";
        int batches = quick ? 20 : 2000;
        int warmup = quick ? 5 : 200;

        using (FiksClient client = FiksClient.FromFile(args[0]))
        {
            // The first token comes from the mock; every read below is served from the cache.
            int length = client.GetAccessToken().Length;
            Console.WriteLine("token: " + length + " characters; " + batches + " batches of " + CallsPerBatch + " calls");

            Stats headers = Measure(batches, warmup, () =>
            {
                IReadOnlyDictionary<string, string> h = client.GetHeaders();
                return h.Count;
            });
            Stats token = Measure(batches, warmup, () => client.GetAccessToken().Length);
            Stats headersAsync = Measure(batches, warmup, () => client.GetHeadersAsync().Result.Count);
            string cold = ColdAsync(args[0], quick).GetAwaiter().GetResult();

            var json = new StringBuilder();
            json.Append("{\"runtime\":\"").Append(RuntimeName()).Append("\",");
            json.Append("\"cached_headers\":").Append(headers.ToJson()).Append(',');
            json.Append("\"cached_token\":").Append(token.ToJson()).Append(',');
            json.Append("\"cached_headers_async\":").Append(headersAsync.ToJson()).Append(',');
            json.Append("\"cached_async_vs_sync\":").Append((headersAsync.Median / headers.Median).ToString("F2", CultureInfo.InvariantCulture)).Append(',');
            json.Append("\"async_cold\":").Append(cold).Append('}');
            File.WriteAllText(args[1], json.ToString());
            Console.WriteLine("GetHeaders():      median " + headers.Median.ToString("F1", CultureInfo.InvariantCulture) + " ns, p99 " +
                              headers.P99.ToString("F1", CultureInfo.InvariantCulture) + " ns");
            Console.WriteLine("GetAccessToken():  median " + token.Median.ToString("F1", CultureInfo.InvariantCulture) + " ns, p99 " +
                              token.P99.ToString("F1", CultureInfo.InvariantCulture) + " ns");
            Console.WriteLine("GetHeadersAsync() cached: median " + headersAsync.Median.ToString("F1", CultureInfo.InvariantCulture) + " ns ("
                              + (headersAsync.Median / headers.Median).ToString("F2", CultureInfo.InvariantCulture) + "x GetHeaders())");
            Console.WriteLine("cold GetHeadersAsync: " + cold);
        }
        return 0;
    }

    /// <summary>The issue-15 scenario; returns its JSON object.</summary>
    private static async Task<string> ColdAsync(string config, bool quick)
    {
        ThreadPool.SetMinThreads(4, 4);
        int callers = quick ? 64 : 256;
        int delayMs = quick ? 300 : 3000;
        Match endpoint = Regex.Match(File.ReadAllText(config), "token_endpoint\\s*=\\s*\"(https?://[^/\"]+)");
        string mock = endpoint.Groups[1].Value;
        using (var control = new HttpClient())
        {
            await control.PostAsync(mock + "/_mock/reset", new StringContent("{}", Encoding.UTF8, "application/json")).ConfigureAwait(false);
            await control.PostAsync(mock + "/_mock/token-delay", new StringContent("{\"ms\":" + delayMs + "}", Encoding.UTF8, "application/json")).ConfigureAwait(false);
            using (FiksClient client = FiksClient.FromFile(config))
            {
                var done = new ManualResetEventSlim();
                // "While waiting": from the calls' start until the first of them completes (the token
                // is on its way); the completion burst after it runs continuations, which is no wait.
                int maxBusy = 0, maxBusyOverall = 0, waiting = 0;
                var sampler = new Thread(() =>
                {
                    while (!done.IsSet)
                    {
                        int max, maxIo, available, availableIo;
                        ThreadPool.GetMaxThreads(out max, out maxIo);
                        ThreadPool.GetAvailableThreads(out available, out availableIo);
                        maxBusyOverall = Math.Max(maxBusyOverall, max - available);
                        if (Volatile.Read(ref waiting) == 1)
                        {
                            maxBusy = Math.Max(maxBusy, max - available);
                        }
                        Thread.Sleep(1);
                    }
                });
                sampler.IsBackground = true;
                sampler.Start();
                Task<double> heartbeat = Task.Run(async () =>
                {
                    double worst = 0;
                    while (!done.IsSet)
                    {
                        var beat = Stopwatch.StartNew();
                        await Task.Delay(50).ConfigureAwait(false);
                        worst = Math.Max(worst, beat.Elapsed.TotalMilliseconds - 50);
                    }
                    return worst;
                });
                await Task.Delay(200).ConfigureAwait(false);
                var all = Stopwatch.StartNew();
                Task[] calls = Enumerable.Range(0, callers).Select(_ => (Task)client.GetHeadersAsync()).ToArray();
                Volatile.Write(ref waiting, 1);
                Task firstDone = Task.WhenAny(calls).ContinueWith(_ => Volatile.Write(ref waiting, 0), TaskContinuationOptions.ExecuteSynchronously);
                await Task.WhenAll(calls).ConfigureAwait(false);
                await firstDone.ConfigureAwait(false);
                double allMs = all.Elapsed.TotalMilliseconds;
                done.Set();
                double late = await heartbeat.ConfigureAwait(false);
                sampler.Join();
                string counters = await control.GetStringAsync(mock + "/_mock/counters").ConfigureAwait(false);
                string tokens = Regex.Match(counters, "\"token_requests\"\\s*:\\s*(\\d+)").Groups[1].Value;
                await control.PostAsync(mock + "/_mock/token-delay", new StringContent("{\"ms\":0}", Encoding.UTF8, "application/json")).ConfigureAwait(false);
                return string.Format(CultureInfo.InvariantCulture,
                    "{{\"callers\":{0},\"token_delay_ms\":{1},\"all_done_ms\":{2:F1},\"heartbeat_worst_late_ms\":{3:F1},\"max_busy_pool_threads\":{4},\"max_busy_pool_threads_overall\":{6},\"token_requests\":{5}}}",
                    callers, delayMs, allMs, late, maxBusy, tokens.Length == 0 ? "null" : tokens, maxBusyOverall);
            }
        }
    }

    private sealed class Stats
    {
        public double Median;
        public double P99;
        public int Batches;

        public string ToJson()
        {
            return string.Format(CultureInfo.InvariantCulture,
                "{{\"median_ns\":{0:F2},\"p99_ns\":{1:F2},\"n\":{2},\"calls_per_batch\":{3}}}",
                Median, P99, Batches, CallsPerBatch);
        }
    }

    private static Stats Measure(int batches, int warmup, Func<int> call)
    {
        var perCall = new double[batches];
        long sink = 0;
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        for (int b = -warmup; b < batches; b++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < CallsPerBatch; i++)
            {
                sink += call();
            }
            long elapsed = Stopwatch.GetTimestamp() - start;
            if (b >= 0)
            {
                perCall[b] = elapsed * nsPerTick / CallsPerBatch;
            }
        }
        if (sink == 0)
        {
            throw new InvalidOperationException("the reads returned nothing");
        }
        Array.Sort(perCall);
        return new Stats
        {
            Median = Percentile(perCall, 0.5),
            P99 = Percentile(perCall, 0.99),
            Batches = batches,
        };
    }

    // Nearest rank, as benches/python/bench.py.
    private static double Percentile(double[] sorted, double q)
    {
        int i = (int)Math.Round(q * (sorted.Length - 1));
        return sorted[Math.Min(sorted.Length - 1, Math.Max(0, i))];
    }

    private static string RuntimeName()
    {
        Type mono = Type.GetType("Mono.Runtime");
        if (mono != null)
        {
            var display = mono.GetMethod("GetDisplayName", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
            if (display != null)
            {
                return "Mono " + ((string)display.Invoke(null, null)).Split(' ')[0];
            }
        }
        return ".NET " + System.Environment.Version;
    }
}
