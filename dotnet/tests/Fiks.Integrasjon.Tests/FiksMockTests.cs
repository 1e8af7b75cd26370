using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Fiks.Integrasjon.Testing;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>
    /// Fiks.Integrasjon.Testing's FiksMock, as a user's test suite uses it: each test starts a mock
    /// of its own ($FIKS_MOCK_BIN, set by scripts/test-dotnet), not the runner's shared one.
    /// </summary>
    public class FiksMockTests
    {
        [Test(Offline = true)]
        public void StartsAndGivesAWorkingClient()
        {
            using (FiksMock mock = FiksMock.Start())
            {
                Assert.True(File.Exists(mock.ConfigPath), "ConfigPath is a file");
                Assert.True(File.Exists(mock.CertificatePath), "CertificatePath is a file");
                Assert.Equal(mock.Info["fiks_base_url"], mock.FiksBaseUrl, "FiksBaseUrl");
                Assert.Equal(mock["key_pem"], Path.Combine(mock.Directory, "key.pem"), "the indexer");
                Assert.Contains("/token", mock.TokenEndpoint, "TokenEndpoint");
                Assert.Contains("(pid " + mock.ProcessId + ")", mock.ToString(), "ToString");
                KeyNotFoundException missing = Assert.Throws<KeyNotFoundException>(() => { string unused = mock["ukjent"]; }, "an unknown field");
                Assert.Contains("ukjent", missing.Message, "the message names the field");

                using (FiksClient client = mock.CreateClient())
                {
                    IReadOnlyDictionary<string, string> headers = client.GetHeaders();
                    Assert.True(headers["Authorization"].StartsWith("Bearer ", StringComparison.Ordinal), "Authorization");
                    Assert.Equal(mock.IntegrasjonId, headers["IntegrasjonId"], "IntegrasjonId");
                    Assert.Equal(mock.IntegrasjonPassord, headers["IntegrasjonPassord"], "IntegrasjonPassord");
                    IReadOnlyDictionary<string, long> counters = mock.Counters();
                    Assert.Equal(1L, counters["token_requests"], "token_requests");
                    Assert.Equal(1L, counters["tokens_issued"], "tokens_issued");
                    Assert.Equal(0L, counters["fiks_requests"], "fiks_requests");
                    Assert.Contains("\"token_rejections\"", mock.CountersJson(), "CountersJson");
                }

                // FromFile with the mock's own fiks.toml works as well.
                using (FiksClient client = FiksClient.FromFile(mock.ConfigPath))
                {
                    Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "GET /echo");
                }
            }
        }

        [Test(Offline = true)]
        public void FaultsResetAndTokenControls()
        {
            using (FiksMock mock = FiksMock.Start())
            using (FiksClient client = mock.CreateClient())
            {
                // POST is not idempotent: a 503 is not retried and comes back as the error.
                mock.Fault("fiks", 1, "503");
                FiksException e = Assert.Throws<FiksException>(() => client.Send("POST", "/echo", "{}"), "POST after a fault");
                Assert.Equal(503, e.HttpStatus, "HttpStatus");
                Assert.True(e.IsTransient, "IsTransient");
                Assert.Equal(1L, mock.Counters()["fiks_faults"], "fiks_faults");

                // GET is: the fault is retried away.
                mock.Fault("fiks", 1, "503");
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "GET after a fault");

                // Maskinporten faults: a revoked token is renewed, and the renewal meets the faults.
                mock.Reset();
                Assert.Equal(0L, mock.Counters()["fiks_requests"], "counters after Reset");
                mock.RevokeTokens();
                mock.Fault("token", 10, "503");
                FiksException token = Assert.Throws<FiksException>(() => client.Send("GET", "/echo"), "a revoked token and a failing Maskinporten");
                Assert.Equal(503, token.HttpStatus, "the token endpoint's status");
                Assert.True(mock.Counters()["token_faults"] >= 1, "token_faults");
                mock.Reset();
                mock.TokenLifetime(30);
                mock.TokenDelay(0);
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "GET once Maskinporten answers again");
                Assert.Equal(1L, mock.Counters()["tokens_issued"], "a new token after Reset");

                ArgumentException refused = Assert.Throws<ArgumentException>(() => mock.Fault("ukjent", 1, "503"), "an unknown target");
                Assert.Contains("ukjent", refused.Message, "the mock's reason");
            }
        }

        [Test(Offline = true)]
        public void WithTlsTheClientAndTheControlCallsTrustTheMockCa()
        {
            var options = new FiksMockOptions();
            options.Arguments.Add("--tls");
            using (FiksMock mock = FiksMock.Start(options))
            using (FiksClient client = mock.CreateClient())
            {
                Assert.True(mock.BaseUrl.StartsWith("https://", StringComparison.Ordinal), "an https base URL");
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "GET /echo over TLS");
                Assert.Equal(1L, mock.Counters()["fiks_requests"], "fiks_requests over TLS");
            }
        }

        [Test(Offline = true)]
        public void DisposeStopsTheProcessAndRemovesTheDirectory()
        {
            FiksMock mock = FiksMock.Start();
            int pid = mock.ProcessId;
            string dir = mock.Directory;
            Assert.True(Directory.Exists(dir), "the directory while it runs");
            Assert.True(Running(pid), "the process while it runs");
            mock.Dispose();
            mock.Dispose();
            Assert.False(Directory.Exists(dir), "the directory after Dispose");
            // Bounded: the process is reaped by the time Dispose returns, but a runtime may report it late.
            for (int i = 0; i < 50 && Running(pid); i++)
            {
                Thread.Sleep(100);
            }
            Assert.False(Running(pid), "process " + pid + " after Dispose");
            Assert.Throws<ObjectDisposedException>(() => mock.Counters(), "Counters after Dispose");
            Assert.Throws<ObjectDisposedException>(() => mock.Reset(), "Reset after Dispose");
            Assert.Contains("(disposed)", mock.ToString(), "ToString");
        }

        [Test(Offline = true)]
        public void AGivenDirectoryIsKept()
        {
            string dir = Path.Combine(Path.GetTempPath(), "fiks-mock-test-" + Guid.NewGuid().ToString("N"));
            try
            {
                using (FiksMock mock = FiksMock.Start(new FiksMockOptions { Directory = dir }))
                {
                    Assert.Equal(Path.Combine(dir, "fiks.toml"), mock.ConfigPath, "ConfigPath");
                }
                Assert.True(File.Exists(Path.Combine(dir, "fiks.toml")), "the given directory is kept");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Test(Offline = true)]
        public void AMissingProgramSaysWhereItLooked()
        {
            string missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "fiks-integrasjon-mock");
            FileNotFoundException e = Assert.Throws<FileNotFoundException>(
                () => FiksMock.Start(new FiksMockOptions { MockPath = missing }), "MockPath that does not exist");
            Assert.Contains(missing, e.Message, "the message names the path");
            Assert.Contains("FiksMockOptions.MockPath", e.Message, "and where it came from");

            string saved = Environment.GetEnvironmentVariable("FIKS_MOCK_BIN");
            try
            {
                Environment.SetEnvironmentVariable("FIKS_MOCK_BIN", missing);
                e = Assert.Throws<FileNotFoundException>(() => FiksMock.Start(), "FIKS_MOCK_BIN that does not exist");
                Assert.Contains("FIKS_MOCK_BIN", e.Message, "the variable is named");

                // Nothing explicit: the package locations (none holds the program here, next to target/dotnet/).
                Environment.SetEnvironmentVariable("FIKS_MOCK_BIN", null);
                e = Assert.Throws<FileNotFoundException>(() => FiksMock.Start(), "no program anywhere");
                string runtimes = Path.Combine("runtimes", "linux-x64", "native", "fiks-integrasjon-mock");
                Assert.Contains(runtimes, e.Message, "it lists the runtimes/<rid>/native/ places");
                Assert.Contains("Fiks.Integrasjon.Testing package", e.Message, "and says what to do");
            }
            finally
            {
                Environment.SetEnvironmentVariable("FIKS_MOCK_BIN", saved);
            }
        }

        [Test(Offline = true)]
        public void AProgramThatDoesNotStartGivesItsStandardError()
        {
            var options = new FiksMockOptions();
            options.Arguments.Add("--no-such-flag");
            FiksMockStartException e = Assert.Throws<FiksMockStartException>(() => FiksMock.Start(options), "an unknown flag");
            Assert.Contains("exited with status", e.Message, "the exit");
            Assert.Contains("--no-such-flag", e.Message, "the mock's standard error");

            options = new FiksMockOptions();
            options.Arguments.Add("--dir");
            Assert.Throws<ArgumentException>(() => FiksMock.Start(options), "--dir is FiksMock's own");
        }

        private static bool Running(int pid)
        {
            try
            {
                using (Process p = Process.GetProcessById(pid))
                {
                    return !p.HasExited;
                }
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }
}
