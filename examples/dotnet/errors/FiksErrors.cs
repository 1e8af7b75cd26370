// The five-failure parity program of issue 13, .NET edition: the same fields, in the same format, as the C
// program and the Python script print for the same failures (scripts/check-error-parity diffs them).
//
// Usage: FiksErrors.exe NAME CONFIG.toml PATH [NAME CONFIG.toml PATH ...]
//   For each triple: prints "== NAME", builds a client from CONFIG.toml (FiksClient.FromFile), sends GET PATH
//   (FiksClient.Send) and prints "ok <status>", or, for a FiksException, these 11 lines ("-" for an absent
//   text; 0 for an absent status, i.e. a null HttpStatus, as C's fiks_error_http_status and the Python script print it):
//     kind, problem, http_status, config_key, oauth_error, mp_code, error_id, retry_after, transient, hint, message
//   Exits 0 when every triple was handled (the errors are the expected output), 2 for wrong arguments.
//
// Built by scripts/test-dotnet: mcs -r:target/dotnet/Fiks.Integrasjon.dll -out:target/dotnet/FiksErrors.exe
// (Fiks.Integrasjon.dll sits next to the .exe). Run it as scripts/test-dotnet does:
//   LD_LIBRARY_PATH=target/debug mono target/dotnet/FiksErrors.exe NAME CONFIG.toml PATH ...
// i.e. with the directory holding libfiks_integrasjon.so (target/debug, or $FIKS_NATIVE_DIR when that is given)
// on LD_LIBRARY_PATH: Mono finds the native library only through its own probe. With the .NET SDK, set
// FIKS_INTEGRASJON_NATIVE_LIBRARY to the library instead (dotnet run --project examples/dotnet/errors -- ...).
// FIKS_<KEY> variables, if set, override the file (FromFile reads them): the driver runs it without any.
using System;
using System.IO;
using System.Text;
using Fiks.Integrasjon;

internal static class FiksErrors
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || args.Length % 3 != 0)
        {
            Console.Error.WriteLine("usage: FiksErrors.exe NAME CONFIG.toml PATH [NAME CONFIG.toml PATH ...]");
            return 2;
        }
        // UTF-8 without a BOM and "\n" line ends, whatever the locale and platform: the outputs are diffed.
        using (var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { NewLine = "\n" })
        {
            for (int i = 0; i < args.Length; i += 3)
            {
                output.WriteLine("== " + args[i]);
                try
                {
                    using (FiksClient client = FiksClient.FromFile(args[i + 1]))
                    {
                        FiksResponse response = client.Send("GET", args[i + 2]);
                        output.WriteLine("ok " + response.StatusCode);
                    }
                }
                catch (FiksException e)
                {
                    Print(output, e);
                }
            }
        }
        return 0;
    }

    private static void Print(TextWriter output, FiksException e)
    {
        var token = e as FiksTokenException;
        var api = e as FiksApiException;
        string retryAfter;
        e.ResponseHeaders.TryGetValue("Retry-After", out retryAfter);
        output.WriteLine("kind: " + Text(e.KindName));
        output.WriteLine("problem: " + Text(e.Problem));
        output.WriteLine("http_status: " + (e.HttpStatus ?? 0));
        output.WriteLine("config_key: " + Text(e.ConfigKey));
        output.WriteLine("oauth_error: " + Text(token == null ? null : token.OAuthError));
        output.WriteLine("mp_code: " + Text(token == null ? null : token.MaskinportenCode));
        output.WriteLine("error_id: " + Text(api == null ? null : api.ErrorId));
        output.WriteLine("retry_after: " + Text(retryAfter));
        output.WriteLine("transient: " + (e.IsTransient ? "true" : "false"));
        output.WriteLine("hint: " + Text(e.Hint));
        output.WriteLine("message: " + Text(e.Message));
    }

    private static string Text(string value)
    {
        return value ?? "-";
    }
}
