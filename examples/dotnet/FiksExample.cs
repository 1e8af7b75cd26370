// A .NET fagsystem talking to a Fiks API through Fiks.Integrasjon:
//   1. a Maskinporten token from the virksomhetssertifikat (cached and shared by the client),
//   2. a call through HttpClient with FiksAuthenticationHandler adding the Fiks headers,
//   3. a Fiks error caught as FiksApiException with its errorId.
//
// Usage: FiksExample.exe CONFIG.toml FIKS_BASE_URL
//   (against the local mock: fiks-integrasjon-mock --dir DIR writes DIR/fiks.toml and prints fiks_base_url)
using System;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Fiks.Integrasjon;

internal static class FiksExample
{
    private static async Task<int> Run(string configPath, Uri fiksBaseUrl)
    {
        using (FiksClient client = FiksClient.FromFile(configPath))
        {
            // 1. The token itself is a secret: show only that we have one.
            string token = await client.GetAccessTokenAsync();
            Console.WriteLine("token: " + token.Length + " characters from Maskinporten");

            // 2. HttpClient with the Fiks headers on the requests to the Fiks API (the library decides which
            //    URLs may have them). The inner handler must not follow redirects by itself: the handler
            //    refuses one that does, since a redirect would carry IntegrasjonPassord to another host.
            var handler = new FiksAuthenticationHandler(client, new HttpClientHandler { AllowAutoRedirect = false });
            using (var http = new HttpClient(handler) { BaseAddress = fiksBaseUrl })
            {
                using (var body = new StringContent("{\"sok\":\"byggesak\"}", Encoding.UTF8, "application/json"))
                using (HttpResponseMessage answer = await http.PostAsync("innsyn-sok/api/v1/sok", body))
                {
                    Console.WriteLine("POST innsyn-sok/api/v1/sok: " + (int)answer.StatusCode);
                    answer.EnsureSuccessStatusCode();
                }

                // A Fiks error through HttpClient: parse the body with the answer's status (a 2xx answer is never
                // an error), throw it the library's way.
                try
                {
                    using (HttpResponseMessage answer = await http.GetAsync("status/404"))
                    {
                        string text = await answer.Content.ReadAsStringAsync();
                        FiksError error;
                        if (FiksError.TryParse(text, (int)answer.StatusCode, out error))
                        {
                            throw error.ToException();
                        }
                        Console.Error.WriteLine("expected a Fiks error from status/404, got " + (int)answer.StatusCode);
                        return 1;
                    }
                }
                catch (FiksApiException e)
                {
                    Console.WriteLine("HttpClient: Fiks answered " + e.HttpStatus + ", errorId " + e.ErrorId + ", errorCode " + e.ErrorCode);
                }
            }

            // 3. The same through the client itself: non-2xx answers are thrown.
            try
            {
                client.Send("GET", "/status/409");
                Console.Error.WriteLine("expected a FiksApiException");
                return 1;
            }
            catch (FiksApiException e)
            {
                Console.WriteLine("FiksClient.Send: Fiks answered " + e.HttpStatus + ", errorId " + e.ErrorId + " (quote it to KS support)");
                if (string.IsNullOrEmpty(e.ErrorId))
                {
                    return 1;
                }
            }
        }
        return 0;
    }

    private static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: FiksExample.exe CONFIG.toml FIKS_BASE_URL");
            return 2;
        }
        string baseUrl = args[1].EndsWith("/", StringComparison.Ordinal) ? args[1] : args[1] + "/";
        try
        {
            return Run(args[0], new Uri(baseUrl)).GetAwaiter().GetResult();
        }
        catch (FiksException e)
        {
            // Messages and hints never hold secrets: safe to log.
            Console.Error.WriteLine(e.KindName + " error: " + e.Message + (e.Hint == null ? "" : " (hint: " + e.Hint + ")"));
            return 1;
        }
    }
}
