// A .NET fagsystem talking to a Fiks API through Fiks.Integrasjon, asynchronously from end to end:
//   1. one FiksClient for the application (`using`: disposed at the end, after the HttpClient that uses it);
//      the Maskinporten token comes from the virksomhetssertifikat, is fetched once and shared by every caller;
//   2. the Fiks headers without blocking a thread: `await client.GetHeadersAsync(ct)`;
//   3. `SendAsync` with a per-call timeout and a CancellationToken (Ctrl+C cancels what is under way);
//   4. an HttpClient with FiksAuthenticationHandler, which adds the Fiks headers to the requests for the Fiks API;
//   5. a Fiks error caught as FiksApiException, with its HttpStatus and errorId.
// The calls take IFiksClient, the interface a test substitutes (FiksClient is its implementation).
//
// Usage: FiksExample.exe CONFIG.toml FIKS_BASE_URL
//   (against the local mock: fiks-integrasjon-mock --dir DIR writes DIR/fiks.toml and prints fiks_base_url)
// C# 7.2: Mono's mcs has no `async Task<int> Main`, so Main waits for RunAsync, once; nothing below it blocks.
using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon;

internal static class FiksExample
{
    private const string SearchJson = "{\"sok\":\"byggesak\"}";

    private static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: FiksExample.exe CONFIG.toml FIKS_BASE_URL");
            return 2;
        }
        string baseUrl = args[1].EndsWith("/", StringComparison.Ordinal) ? args[1] : args[1] + "/";
        using (var stop = new CancellationTokenSource())
        {
            ConsoleCancelEventHandler onCtrlC = (sender, e) =>
            {
                e.Cancel = true;   // end the calls under way instead of killing the process
                stop.Cancel();
            };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                return RunAsync(args[0], new Uri(baseUrl), stop.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                Console.Error.WriteLine("cancelled");
                return 130;
            }
            catch (FiksException e)
            {
                // Messages and hints never hold secrets: safe to log. HttpStatus is null when no HTTP answer was involved.
                Console.Error.WriteLine(e.KindName + " error (" + (e.HttpStatus.HasValue ? "HTTP " + e.HttpStatus : "no HTTP answer")
                    + (e.IsTransient ? ", worth trying again later" : "") + "): " + e.Message
                    + (e.Hint == null ? "" : " (hint: " + e.Hint + ")"));
                return 1;
            }
            finally
            {
                Console.CancelKeyPress -= onCtrlC;
            }
        }
    }

    private static async Task<int> RunAsync(string configPath, Uri fiksBaseUrl, CancellationToken cancellationToken)
    {
        // One client per configuration, shared by the whole application: safe from many threads at once.
        using (FiksClient client = FiksClient.FromFile(configPath))
        {
            await ShowHeadersAsync(client, cancellationToken);
            await SearchAsync(client, cancellationToken);
            bool ok = await CancelledCallAsync(client);
            ok &= await ThroughHttpClientAsync(client, fiksBaseUrl, cancellationToken);
            ok &= await FiksErrorAsync(client, cancellationToken);
            return ok ? 0 : 1;
        }
    }

    /// <summary>The Fiks headers: the first call fetches the token (no thread waits for it), later ones read the cache.</summary>
    private static async Task ShowHeadersAsync(IFiksClient fiks, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string> headers = await fiks.GetHeadersAsync(cancellationToken);
        // The values are secrets (the token, IntegrasjonPassord): show only the names.
        Console.WriteLine("GetHeadersAsync: " + string.Join(", ", headers.Keys));
    }

    /// <summary>A call through the client: token, retries of transient failures and a 401 renewal are the library's.</summary>
    private static async Task SearchAsync(IFiksClient fiks, CancellationToken cancellationToken)
    {
        // The timeout bounds the whole call (the token fetch, retries and their waits): a FiksTransportException
        // with Problem "timeout" when it runs out. The token cancels it: an OperationCanceledException.
        FiksResponse found = await fiks.SendAsync(HttpMethod.Post, "/innsyn-sok/api/v1/sok", SearchJson,
            TimeSpan.FromSeconds(30), cancellationToken);
        Console.WriteLine("SendAsync POST /innsyn-sok/api/v1/sok: " + found.StatusCode + ", " + found.Body.Length + " bytes");
    }

    /// <summary>Cancellation ends the task Canceled; a call whose token is cancelled already sends nothing.</summary>
    private static async Task<bool> CancelledCallAsync(IFiksClient fiks)
    {
        using (var givenUp = new CancellationTokenSource())
        {
            givenUp.Cancel();
            try
            {
                await fiks.SendAsync(HttpMethod.Get, "/echo", null, null, givenUp.Token);
                Console.Error.WriteLine("SendAsync with a cancelled token was not cancelled");
                return false;
            }
            catch (OperationCanceledException e) when (e.CancellationToken == givenUp.Token)
            {
                Console.WriteLine("SendAsync with a cancelled token: cancelled, nothing sent");
                return true;
            }
        }
    }

    /// <summary>
    /// HttpClient with the Fiks headers on the requests to the Fiks API only (the library decides which URLs may have
    /// them). The inner handler must not follow redirects by itself: FiksAuthenticationHandler refuses one that does,
    /// since a redirect would carry IntegrasjonPassord to another host. (With IHttpClientFactory: AddHttpMessageHandler
    /// with a new FiksAuthenticationHandler(fiks) each time, and ConfigurePrimaryHttpMessageHandler with an
    /// HttpClientHandler { AllowAutoRedirect = false }.)
    /// </summary>
    private static async Task<bool> ThroughHttpClientAsync(IFiksClient fiks, Uri fiksBaseUrl, CancellationToken cancellationToken)
    {
        var handler = new FiksAuthenticationHandler(fiks, new HttpClientHandler { AllowAutoRedirect = false });
        // Disposing the HttpClient disposes the handler, not the FiksClient: that one outlives it.
        using (var http = new HttpClient(handler) { BaseAddress = fiksBaseUrl })
        {
            using (var body = new StringContent(SearchJson, Encoding.UTF8, "application/json"))
            using (HttpResponseMessage answer = await http.PostAsync("innsyn-sok/api/v1/sok", body, cancellationToken))
            {
                Console.WriteLine("HttpClient POST innsyn-sok/api/v1/sok: " + (int)answer.StatusCode);
                answer.EnsureSuccessStatusCode();
            }

            // A Fiks error through HttpClient: parse the body with the answer's status (a 2xx answer is never an
            // error), and throw it the library's way.
            try
            {
                using (HttpResponseMessage answer = await http.GetAsync("status/404", cancellationToken))
                {
                    string text = await answer.Content.ReadAsStringAsync();
                    FiksError error;
                    if (FiksError.TryParse(text, (int)answer.StatusCode, out error))
                    {
                        throw error.ToException();
                    }
                    Console.Error.WriteLine("expected a Fiks error from status/404, got " + (int)answer.StatusCode);
                    return false;
                }
            }
            catch (FiksApiException e)
            {
                Console.WriteLine("HttpClient GET status/404: Fiks answered " + e.HttpStatus + ", errorId " + e.ErrorId
                    + ", errorCode " + e.ErrorCode);
                return e.HttpStatus == 404;
            }
        }
    }

    /// <summary>Through the client itself non-2xx answers fault the task with a FiksApiException.</summary>
    private static async Task<bool> FiksErrorAsync(IFiksClient fiks, CancellationToken cancellationToken)
    {
        try
        {
            await fiks.SendAsync(HttpMethod.Get, "/status/409", null, null, cancellationToken);
            Console.Error.WriteLine("expected a FiksApiException from /status/409");
            return false;
        }
        catch (FiksApiException e)
        {
            Console.WriteLine("SendAsync GET /status/409: Fiks answered " + e.HttpStatus + ", errorId " + e.ErrorId
                + " (quote it to KS support)");
            return e.HttpStatus == 409 && !string.IsNullOrEmpty(e.ErrorId);
        }
    }
}
