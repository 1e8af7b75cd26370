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
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
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
        bool quick = args.Length > 2 && args[2] == "--quick";
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

            var json = new StringBuilder();
            json.Append("{\"runtime\":\"").Append(RuntimeName()).Append("\",");
            json.Append("\"cached_headers\":").Append(headers.ToJson()).Append(',');
            json.Append("\"cached_token\":").Append(token.ToJson()).Append('}');
            File.WriteAllText(args[1], json.ToString());
            Console.WriteLine("GetHeaders():      median " + headers.Median.ToString("F1", CultureInfo.InvariantCulture) + " ns, p99 " +
                              headers.P99.ToString("F1", CultureInfo.InvariantCulture) + " ns");
            Console.WriteLine("GetAccessToken():  median " + token.Median.ToString("F1", CultureInfo.InvariantCulture) + " ns, p99 " +
                              token.P99.ToString("F1", CultureInfo.InvariantCulture) + " ns");
        }
        return 0;
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
