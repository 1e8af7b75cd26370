// One FiksClient for many integrasjoner and many citizens, run against the local mock:
//   1. vendor: a program serving 100 municipalities holds ONE client and derives one per municipality with
//      ForIntegrasjon(id, passord); each sends GET /echo to the fiks and the svarut service. All 200 calls
//      share one Maskinporten token.
//   2. citizen: a citizen-facing server derives AsPerson(token) in each request's handler; each call carries
//      that citizen's ID-porten token and no other, and none asks Maskinporten.
// Exits 1 on any mismatch.
//
// Usage: Vendor.exe CONFIG.toml MOCK_BASE_URL PERSON_TOKEN
//   (fiks-integrasjon-mock --dir DIR writes DIR/fiks.toml and prints base_url and person_token)
// C# 7.2: Mono's mcs has no `async Task<int> Main`, so Main waits for the citizens' handlers once.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Fiks.Integrasjon;

internal static class Vendor
{
    private static readonly HttpClient Http = new HttpClient();   // for the mock's control endpoints only
    private static int _mismatches;

    private static int Main(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: Vendor.exe CONFIG.toml MOCK_BASE_URL PERSON_TOKEN");
            return 2;
        }
        string mock = args[1].TrimEnd('/');
        // Citizens' ID-porten tokens: the mock's default one and three registered for this run.
        var tokens = new List<string> { args[2] };
        for (int n = 1; n <= 3; n++) tokens.Add("innbygger-" + n + "-" + Guid.NewGuid().ToString("N"));
        Control(mock, "/_mock/person-tokens", "{\"tokens\": [\"" + string.Join("\", \"", tokens.Skip(1)) + "\"]}");
        int before = TokenRequests(mock);

        int calls;
        using (FiksClient client = FiksClient.FromFile(args[0]))   // the program's one client
        {
            calls = RunVendor(client);
            // A server handles requests concurrently; every handler shares the one client.
            var requests = new List<Task>();
            for (int round = 0; round < 3; round++)
                foreach (string token in tokens) requests.Add(HandleCitizenRequestAsync(client, token));
            Task.WhenAll(requests).GetAwaiter().GetResult();
        }

        int tokenRequests = TokenRequests(mock) - before;
        Check(tokenRequests == 1, tokenRequests + " token requests, expected 1");
        Console.WriteLine("vendor: 100 municipalities, " + calls + " calls (fiks and svarut), each echo from its own integrasjon");
        Console.WriteLine("citizen: " + tokens.Count * 3 + " requests for " + tokens.Count + " citizens, each echo carrying its own citizen's token");
        Console.WriteLine("token requests: " + tokenRequests);
        Console.WriteLine(_mismatches == 0 ? "ok" : _mismatches + " mismatches");
        return _mismatches == 0 ? 0 : 1;
    }

    private static int RunVendor(FiksClient client)
    {
        int calls = 0;
        for (int i = 1; i <= 100; i++)
        {
            // A real vendor reads its customers' integrasjon ids and passwords from its own database (or names
            // them in fiks.toml as [integrasjoner.NAME] and calls client.ForIntegrasjon(name)).
            // These are the 100 the mock accepts.
            string id = "00000000-0000-4000-8000-" + i.ToString("D12");
            using (FiksClient kommune = client.ForIntegrasjon(id, "mock-passord-" + i))   // cheap: no I/O
            {
                foreach (string service in new[] { "fiks", "svarut" })
                {
                    string echo = kommune.Send("GET", "/echo", null, null, null, service).BodyText;
                    Check(echo.Contains("\"integrasjon_id\":\"" + id + "\""), service + " echo not from " + id + ": " + echo);
                    Check(echo.Contains("\"service\":\"" + service + "\""), "not answered by " + service + ": " + echo);
                    calls++;
                }
            }
        }
        // The same integrasjon by its name in fiks.toml ([integrasjoner.kommune-1]).
        using (FiksClient named = client.ForIntegrasjon("kommune-1"))
        {
            string echo = named.Send("GET", "/echo").BodyText;
            Check(echo.Contains("\"integrasjon_id\":\"00000000-0000-4000-8000-000000000001\""), "kommune-1: " + echo);
        }
        return calls;
    }

    // What a web handler does per request: the token comes from the citizen's session.
    private static async Task HandleCitizenRequestAsync(FiksClient client, string idportenToken)
    {
        using (FiksClient citizen = client.AsPerson(idportenToken))
        {
            FiksResponse r = await citizen.SendAsync("GET", "/echo").ConfigureAwait(false);
            Check(r.BodyText.Contains("\"token_sha256\":\"" + Sha256Hex(idportenToken) + "\""), "a citizen's call carried another token");
        }
    }

    private static string Sha256Hex(string text)
    {
        using (SHA256 sha = SHA256.Create())
            return BitConverter.ToString(sha.ComputeHash(Encoding.UTF8.GetBytes(text))).Replace("-", "").ToLowerInvariant();
    }

    private static void Check(bool ok, string what)
    {
        if (ok) return;
        System.Threading.Interlocked.Increment(ref _mismatches);
        Console.Error.WriteLine("MISMATCH: " + what);
    }

    // The mock's control endpoints (tests only; a real program has none of this).
    private static string Control(string mock, string path, string json = null)
    {
        HttpResponseMessage r = json == null
            ? Http.GetAsync(mock + path).GetAwaiter().GetResult()
            : Http.PostAsync(mock + path, new StringContent(json, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
        r.EnsureSuccessStatusCode();
        return r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    private static int TokenRequests(string mock)
    {
        return int.Parse(Regex.Match(Control(mock, "/_mock/counters"), "\"token_requests\":\\s*(\\d+)").Groups[1].Value);
    }
}
