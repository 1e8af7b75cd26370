using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>One client for many integrasjoner, services and citizens: derived clients, named integrasjoner,
    /// services, Fiks IO credentials and multipart bodies, against the mock.</summary>
    public class TenancyTests
    {
        private static Mock M { get { return Mock.Current; } }

        /// <summary>The mock's extra integrasjon i (the same in every run).</summary>
        private static string Id(int i) { return "00000000-0000-4000-8000-" + i.ToString("D12"); }
        private static string Passord(int i) { return "mock-passord-" + i; }

        private static string IdField(string id) { return "\"integrasjon_id\":\"" + id + "\""; }

        [Test]
        public async Task DerivedClientsSendTheirOwnIntegrasjonShareOneTokenAndOutliveTheParent()
        {
            await M.ResetAsync();
            var parent = new FiksClient(M.Options());
            FiksClient a = parent.ForIntegrasjon(Id(11), Passord(11));
            FiksClient b = parent.ForIntegrasjon(Id(12), Passord(12));
            Assert.Equal(Id(11), a.GetHeaders()["IntegrasjonId"], "a's IntegrasjonId");
            Assert.Contains(IdField(Id(12)), b.Send("GET", "/echo").BodyText, "b's echo");
            parent.Dispose();
            Assert.Contains(IdField(Id(11)), (await a.SendAsync("GET", "/echo")).BodyText, "a after the parent is disposed");
            Assert.Equal(1, await M.CounterAsync("token_requests"), "one token request");
            a.Dispose();
            b.Dispose();
            Assert.Throws<ObjectDisposedException>(() => parent.ForIntegrasjon(Id(1), Passord(1)), "a disposed parent");
        }

        [Test]
        public void BadIdsAndUnknownNamesAreTheNativeLibrarysConfigurationErrors()
        {
            var options = M.Options().SetIntegrasjon("kommune-8", Id(8), Passord(8));
            using (var parent = new FiksClient(options))
            {
                var e = Assert.Throws<FiksConfigurationException>(() => parent.ForIntegrasjon("not-a-uuid", "hemmelig-passord"), "a bad id");
                Assert.True(!e.Message.Contains("hemmelig-passord"), "the password is never shown: " + e.Message);
                var n = Assert.Throws<FiksConfigurationException>(() => parent.ForIntegrasjon("oslo"), "an unknown name");
                Assert.Contains("oslo", n.Message, "the name");
                Assert.Contains("kommune-8", n.Message, "the configured names");
                Assert.Throws<ArgumentNullException>(() => parent.ForIntegrasjon(null), "a null name");
                using (FiksClient k = parent.ForIntegrasjon("kommune-8"))
                {
                    Assert.Contains(IdField(Id(8)), k.Send("GET", "/echo").BodyText, "a named integrasjon from the options");
                }
            }
            Assert.Equal(Id(8), options.Integrasjoner["kommune-8"], "Integrasjoner shows the id");
        }

        [Test]
        public void NamedIntegrasjonerAndServicesFromTheConfigFile()
        {
            using (var parent = new FiksClient(new FiksClientOptions { ConfigFile = M["config"] }))
            using (FiksClient k = parent.ForIntegrasjon("kommune-2"))
            {
                Assert.Contains(IdField(Id(2)), k.Send("GET", "/echo").BodyText, "kommune-2");
                FiksResponse r = k.Send("GET", "/echo", (byte[])null, null, null, "svarut");
                Assert.Contains("\"service\":\"svarut\"", r.BodyText, "sent to svarut");
                var e = Assert.Throws<FiksException>(() => k.Send("GET", "/echo", (byte[])null, null, null, "ukjent"), "an unknown service");
                Assert.Equal(FiksErrorKind.Usage, e.Kind, "Kind");
            }
        }

        [Test]
        public async Task ServicesFromTheOptionsSyncAndAsync()
        {
            var options = M.Options().SetService("svarut", M["svarut_base_url"]);
            Assert.Equal(M["svarut_base_url"], options.Services["svarut"], "Services");
            using (var client = new FiksClient(options))
            {
                FiksResponse r = await client.SendAsync("GET", "/echo", (byte[])null, null, null, "svarut");
                Assert.Contains("\"service\":\"svarut\"", r.BodyText, "async to svarut");
                Assert.True(client.MaySendHeaders(M["svarut_base_url"] + "/echo"), "the headers may go to a configured service");
            }
        }

        [Test]
        public async Task ACitizensClientSendsThePersonTokenAndNeverAsksMaskinporten()
        {
            await M.ResetAsync();
            using (var parent = new FiksClient(M.Options()))
            {
                FiksClient person = parent.AsPerson(M["person_token"]);
                parent.Dispose();
                Assert.Equal("Bearer " + M["person_token"], person.GetHeaders()["Authorization"], "Authorization");
                Assert.Contains("\"kind\":\"person\"", person.Send("GET", "/echo").BodyText, "the mock saw a person token");
                Assert.Equal(0, await M.CounterAsync("token_requests"), "no Maskinporten request");
                var e = Assert.Throws<FiksException>(() => person.GetFiksIoCredentials(), "Fiks IO for a citizen");
                Assert.Equal(FiksErrorKind.Usage, e.Kind, "Kind");
                person.Dispose();
            }
        }

        [Test]
        public void FiksIoCredentials()
        {
            using (var parent = new FiksClient(M.Options()))
            using (FiksClient k = parent.ForIntegrasjon(Id(3), Passord(3)))
            {
                FiksIoCredentials c = k.GetFiksIoCredentials();
                Assert.Equal(Id(3), c.Username, "Username");
                Assert.Equal(Passord(3) + " " + k.GetAccessToken(), c.Password, "Password");
                Assert.True(c.RenewAt <= c.ExpiresAt, "RenewAt before ExpiresAt");
                Assert.True(c.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(-1), "ExpiresAt in the future");
                Assert.True(!c.ToString().Contains(c.Password), "ToString hides the password");
            }
        }

        [Test]
        public async Task MultipartBodiesReachTheEcho()
        {
            string file = Path.Combine(Path.GetTempPath(), "fiks-tenancy-" + Guid.NewGuid().ToString("N") + ".pdf");
            File.WriteAllBytes(file, new byte[30000]);
            try
            {
                using (var client = new FiksClient(M.Options()))
                {
                    var body = new FiksMultipart()
                        .AddJson("forsendelse", "{\"tittel\": \"Vedtak\"}")
                        .AddText("merknad", "hei")
                        .AddBytes("vedlegg", new byte[] { 1, 2, 3 }, "a.bin", "application/octet-stream")
                        .AddFile("dokument", file, "brev.pdf", "application/pdf");
                    Assert.Equal(4, body.Count, "Count");
                    string sync = client.Send("POST", "/echo/multipart", body).BodyText;
                    Assert.Contains("\"brev.pdf\"", sync, "the file part");
                    Assert.Contains("\"size\":30000", sync, "its size");
                    string async = (await client.SendAsync("POST", "/echo", body)).BodyText;
                    Assert.Contains("\"content_type\":\"multipart/form-data; boundary=", async, "a multipart content type");
                    var e = Assert.Throws<FiksException>(() => client.Send("POST", "/echo", new FiksMultipart()), "no parts");
                    Assert.Equal(FiksErrorKind.InvalidArgument, e.Kind, "Kind");
                    var j = Assert.Throws<FiksException>(
                        () => client.Send("POST", "/echo", new FiksMultipart().AddJson("x", "{not json")), "not JSON");
                    Assert.Equal(FiksErrorKind.InvalidArgument, j.Kind, "Kind for bad JSON");
                }
            }
            finally
            {
                File.Delete(file);
            }
        }

        private static string Sha256Hex(string text)
        {
            using (var sha = SHA256.Create())
            {
                return string.Concat(sha.ComputeHash(Encoding.UTF8.GetBytes(text)).Select(b => b.ToString("x2")));
            }
        }

        [Test]
        public async Task AHandlerPerDerivedClientCarriesThatClientsHeadersOnly()
        {
            await M.ResetAsync();
            using (var parent = new FiksClient(M.Options()))
            {
                string person = M["person_token"];
                var clients = new List<KeyValuePair<FiksClient, string>>();
                for (int i = 1; i <= 8; i++)
                {
                    clients.Add(new KeyValuePair<FiksClient, string>(parent.ForIntegrasjon(Id(i), Passord(i)), Id(i)));
                }
                FiksClient citizen = parent.AsPerson(person);
                var calls = new List<Task<string>>();
                foreach (var pair in clients)
                {
                    for (int n = 0; n < 4; n++)
                    {
                        calls.Add(EchoThroughHandlerAsync(pair.Key));
                    }
                }
                for (int n = 0; n < 4; n++)
                {
                    calls.Add(EchoThroughHandlerAsync(citizen));
                }
                string[] answers = await Task.WhenAll(calls);
                for (int c = 0; c < clients.Count; c++)
                {
                    for (int n = 0; n < 4; n++)
                    {
                        Assert.Contains(IdField(clients[c].Value), answers[c * 4 + n], "integrasjon " + (c + 1) + " through its handler");
                    }
                }
                for (int n = 0; n < 4; n++)
                {
                    string a = answers[clients.Count * 4 + n];
                    Assert.Contains("\"token_sha256\":\"" + Sha256Hex(person) + "\"", a, "the citizen's token through its handler");
                    Assert.Contains("\"kind\":\"person\"", a, "a person token");
                }
                Assert.Equal(1, await M.CounterAsync("token_requests"), "one token request for every integrasjon");
                foreach (var pair in clients)
                {
                    pair.Key.Dispose();
                }
                citizen.Dispose();
            }
        }

        private static async Task<string> EchoThroughHandlerAsync(FiksClient client)
        {
            var inner = new HttpClientHandler { AllowAutoRedirect = false };
            using (var http = new HttpClient(new FiksAuthenticationHandler(client, inner)))
            {
                return await http.GetStringAsync(M.FiksBaseUrl + "/echo").ConfigureAwait(false);
            }
        }
    }
}
