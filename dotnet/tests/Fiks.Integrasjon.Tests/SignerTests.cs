using System;
using System.Collections.Generic;
using System.IO;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>
    /// An RSA key that never leaves its store (as a smart card's, a CNG/KSP key or Azure Key Vault's): it signs, and
    /// refuses every export. Every export path of <see cref="RSA"/> (ExportRSAPrivateKey, ExportPkcs8PrivateKey,
    /// ToXmlString, …) goes through <see cref="ExportParameters"/> unless overridden, and that throws, even for the
    /// public half. Signs with an inner key; counts signatures and export attempts.
    /// </summary>
    internal sealed class StoreOnlyRsa : RSA
    {
        private readonly RSA _inner;
        private int _signatures;
        private int _exportAttempts;
        private int _signingThread;
        private int _disposed;

        internal StoreOnlyRsa(RSA inner)
        {
            _inner = inner;
            KeySizeValue = inner.KeySize;
            LegalKeySizesValue = inner.LegalKeySizes;
        }

        /// <summary>When set, signing throws it (a card pulled out, a vault that refuses).</summary>
        internal Exception Failure { get; set; }

        internal int Signatures { get { return Volatile.Read(ref _signatures); } }
        internal int ExportAttempts { get { return Volatile.Read(ref _exportAttempts); } }
        /// <summary>The managed thread id of the last signature.</summary>
        internal int SigningThread { get { return Volatile.Read(ref _signingThread); } }
        internal bool IsDisposed { get { return Volatile.Read(ref _disposed) != 0; } }

        public override RSAParameters ExportParameters(bool includePrivateParameters)
        {
            Interlocked.Increment(ref _exportAttempts);
            throw new CryptographicException("this key never leaves its store");
        }

        public override void ImportParameters(RSAParameters parameters)
        {
            throw new CryptographicException("this key is in a store");
        }

        public override string ToXmlString(bool includePrivateParameters)
        {
            Interlocked.Increment(ref _exportAttempts);
            throw new CryptographicException("this key never leaves its store");
        }

        public override byte[] SignHash(byte[] hash, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding)
        {
            Volatile.Write(ref _signingThread, Thread.CurrentThread.ManagedThreadId);
            Exception failure = Failure;
            if (failure != null)
            {
                throw failure;
            }
            Interlocked.Increment(ref _signatures);
            return _inner.SignHash(hash, hashAlgorithm, padding);
        }

        // Mono's RSA.SignData hashes through HashData, which its base class leaves to subclasses.
        protected override byte[] HashData(byte[] data, int offset, int count, HashAlgorithmName hashAlgorithm)
        {
            using (HashAlgorithm h = Hash(hashAlgorithm))
            {
                return h.ComputeHash(data, offset, count);
            }
        }

        protected override byte[] HashData(Stream data, HashAlgorithmName hashAlgorithm)
        {
            using (HashAlgorithm h = Hash(hashAlgorithm))
            {
                return h.ComputeHash(data);
            }
        }

        private static HashAlgorithm Hash(HashAlgorithmName name)
        {
            if (name == HashAlgorithmName.SHA256)
            {
                return SHA256.Create();
            }
            throw new CryptographicException("only SHA-256 here, not " + name.Name);
        }

        protected override void Dispose(bool disposing)
        {
            Volatile.Write(ref _disposed, 1);
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// A certificate whose key its store will not export (as <see cref="X509KeyStorageFlags.Exportable"/> left out is on
    /// Windows; Mono and .NET on Linux export such keys anyway, so this refuses every export but the certificate's own
    /// DER, and counts the attempts): the old way of handing it to the native library (PKCS#12 in memory) fails for it.
    /// </summary>
    internal sealed class NonExportableCertificate : X509Certificate2
    {
        private int _exportAttempts;

        internal NonExportableCertificate(string path, string password) : base(path, password, X509KeyStorageFlags.DefaultKeySet)
        {
        }

        internal int ExportAttempts { get { return Volatile.Read(ref _exportAttempts); } }

        public override byte[] Export(X509ContentType contentType)
        {
            return contentType == X509ContentType.Cert ? base.Export(contentType) : Refuse();
        }

        public override byte[] Export(X509ContentType contentType, string password)
        {
            return contentType == X509ContentType.Cert ? base.Export(contentType, password) : Refuse();
        }

        public override byte[] Export(X509ContentType contentType, SecureString password)
        {
            return contentType == X509ContentType.Cert ? base.Export(contentType, password) : Refuse();
        }

        private byte[] Refuse()
        {
            Interlocked.Increment(ref _exportAttempts);
            throw new CryptographicException("the key of this certificate is not exportable");
        }
    }

    /// <summary>
    /// Keys that never leave their store: an <see cref="X509Certificate2"/> whose key is not exported, and
    /// <see cref="FiksClientOptions.SetSigner(RSA, X509Certificate2, X509Certificate2Collection)"/> with any
    /// <see cref="RSA"/>, through the native library's external signer, against the mock (which verifies each grant).
    /// Mono reads the legacy (3DES/RC2) PKCS#12 encoding only: the certificates come from the mock's
    /// <c>virksomhet-legacy.p12</c>.
    /// </summary>
    public class SignerTests
    {
        private static Mock M { get { return Mock.Current; } }

        /// <summary>The mock's leaf with its key (exportable: the test's inner key).</summary>
        private static X509Certificate2 LeafWithKey()
        {
            return new X509Certificate2(M["p12_legacy"], M["password"], X509KeyStorageFlags.Exportable);
        }

        private static StoreOnlyRsa StoreKey()
        {
            return new StoreOnlyRsa(LeafWithKey().GetRSAPrivateKey());
        }

        /// <summary>The mock's options without a certificate or key of their own.</summary>
        private static FiksClientOptions OptionsWithoutCertificate()
        {
            FiksClientOptions options = M.Options();
            options.Certificate = null;
            options.CertificatePassword = null;
            return options;
        }

        private static List<object> X5c(Dictionary<string, object> header)
        {
            object x5c;
            Assert.True(header.TryGetValue("x5c", out x5c), "the grant's header has x5c: " + string.Join(",", header.Keys));
            var list = x5c as List<object>;
            Assert.NotNull(list, "x5c as a JSON array");
            return list;
        }

        [Test]
        public async Task ARsaThatRefusesEveryExportSignsTheGrants()
        {
            X509Certificate2 withKey = LeafWithKey();
            var certificate = new X509Certificate2(withKey.RawData);
            Assert.False(certificate.HasPrivateKey, "the certificate given carries no key");
            StoreOnlyRsa key = StoreKey();
            FiksClientOptions options = OptionsWithoutCertificate().SetSigner(key, certificate);
            Assert.Contains("Signer = <signer>", options.ToString(), "ToString");
            Assert.True(object.ReferenceEquals(key, options.Clone().Signer), "Clone keeps the signer");
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "a token");
            }
            Assert.Equal(1, key.Signatures, "signatures");
            Assert.Equal(0, key.ExportAttempts, "export attempts");
            Assert.False(key.SigningThread == 0 || key.SigningThread == Thread.CurrentThread.ManagedThreadId,
                "signed on a thread of the native library (" + key.SigningThread + ")");
            Dictionary<string, object> header = await M.LastGrantAsync("last_grant_header");
            List<object> x5c = X5c(header);
            Assert.Equal(1, x5c.Count, "x5c entries");
            Assert.Equal(Convert.ToBase64String(certificate.RawData), (string)x5c[0], "x5c[0] is the certificate");
            Assert.False(header.ContainsKey("kid"), "no kid beside x5c");
            Assert.False(key.IsDisposed, "the caller's key is never disposed by the client");
            Assert.Equal(1, await M.CounterAsync("tokens_issued"), "tokens issued");
        }

        /// <summary>The certificates of a PEM file (the mock's chain.pem: the leaf, then the intermediate).</summary>
        private static List<X509Certificate2> PemCertificates(string path)
        {
            const string Begin = "-----BEGIN CERTIFICATE-----";
            const string End = "-----END CERTIFICATE-----";
            var found = new List<X509Certificate2>();
            string text = File.ReadAllText(path);
            for (int at = text.IndexOf(Begin, StringComparison.Ordinal); at >= 0; at = text.IndexOf(Begin, at, StringComparison.Ordinal))
            {
                int end = text.IndexOf(End, at, StringComparison.Ordinal);
                string base64 = text.Substring(at + Begin.Length, end - at - Begin.Length);
                found.Add(new X509Certificate2(Convert.FromBase64String(base64.Replace("\r", "").Replace("\n", ""))));
                at = end + End.Length;
            }
            return found;
        }

        [Test]
        public async Task TheIntermediatesGoIntoX5cAfterTheLeaf()
        {
            List<X509Certificate2> chain = PemCertificates(M["chain_pem"]);
            Assert.True(chain.Count >= 2, "the mock's chain.pem holds the leaf and the intermediate");
            X509Certificate2 leaf = chain[0];
            Assert.Equal(LeafWithKey().Thumbprint, leaf.Thumbprint, "chain.pem starts with the leaf");
            var intermediates = new X509Certificate2Collection();
            for (int i = 1; i < chain.Count; i++)
            {
                intermediates.Add(chain[i]);
            }
            // The leaf again among the intermediates is left out.
            intermediates.Add(new X509Certificate2(leaf.RawData));
            StoreOnlyRsa key = StoreKey();
            using (var client = new FiksClient(OptionsWithoutCertificate().SetSigner(key, leaf, intermediates)))
            {
                Assert.True(client.GetAccessToken().Length > 0, "a token");
            }
            List<object> x5c = X5c(await M.LastGrantAsync("last_grant_header"));
            Assert.Equal(chain.Count, x5c.Count, "x5c: the leaf and the intermediates, the leaf once");
            for (int i = 0; i < chain.Count; i++)
            {
                Assert.Equal(Convert.ToBase64String(chain[i].RawData), (string)x5c[i], "x5c[" + i + "]");
            }
            Assert.Equal(0, key.ExportAttempts, "export attempts");
        }

        [Test]
        public async Task ACertificateWhoseKeyCannotBeExportedIsUsedWhereItIs()
        {
            var certificate = new NonExportableCertificate(M["p12_legacy"], M["password"]);
            Assert.True(certificate.HasPrivateKey, "the certificate has its key");
            // What the binding did before: export the key as PKCS#12 for the native library. This one refuses.
            Assert.Throws<CryptographicException>(() => certificate.Export(X509ContentType.Pkcs12, "passord"), "Export(Pkcs12)");
            int refusedBefore = certificate.ExportAttempts;
            FiksClientOptions options = OptionsWithoutCertificate().SetCertificate(certificate);
            using (var client = new FiksClient(options))
            {
                Assert.True(client.GetAccessToken().Length > 0, "a token");
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "a Fiks call with it");
            }
            Assert.Equal(refusedBefore, certificate.ExportAttempts, "no export was tried");
            List<object> x5c = X5c(await M.LastGrantAsync("last_grant_header"));
            Assert.Equal(Convert.ToBase64String(certificate.RawData), (string)x5c[0], "x5c[0] is the certificate");
            Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests");
        }

        [Test]
        public async Task ASignerWithAKeyIdSendsKidAndNoCertificate()
        {
            StoreOnlyRsa key = StoreKey();
            FiksClientOptions options = OptionsWithoutCertificate().SetSigner(key, M["kid"]);
            Assert.Equal(M["kid"], options.KeyId, "KeyId");
            Assert.Null(options.ClientCertificate, "ClientCertificate");
            using (var client = new FiksClient(options))
            {
                Assert.True((await client.GetAccessTokenAsync()).Length > 0, "a token");
            }
            Dictionary<string, object> header = await M.LastGrantAsync("last_grant_header");
            object kid;
            Assert.True(header.TryGetValue("kid", out kid), "the grant's header has kid");
            Assert.Equal(M["kid"], (string)kid, "kid");
            Assert.False(header.ContainsKey("x5c"), "no x5c");
            Assert.Equal(1, key.Signatures, "signatures");
            Assert.Equal(0, key.ExportAttempts, "export attempts");
        }

        [Test]
        public async Task AFailingSignerIsACertificateErrorWithItsMessageAndNothingIsSent()
        {
            StoreOnlyRsa key = StoreKey();
            key.Failure = new CryptographicException("the smart card was removed");
            using (var client = new FiksClient(OptionsWithoutCertificate().SetSigner(key, new X509Certificate2(LeafWithKey().RawData))))
            {
                FiksCertificateException e = Assert.Throws<FiksCertificateException>(() => client.GetAccessToken(), "GetAccessToken");
                Assert.Equal("signer", e.Problem, "Problem");
                Assert.Equal(FiksErrorKind.Certificate, e.Kind, "Kind");
                Assert.Contains("the smart card was removed", e.Message, "the signer's message");
                FiksCertificateException a = await Assert.ThrowsAsync<FiksCertificateException>(
                    () => client.GetHeadersAsync(), "GetHeadersAsync");
                Assert.Equal("signer", a.Problem, "Problem (async)");

                // Not an exception of the crypto family: any exception is caught in the callback.
                key.Failure = new InvalidOperationException("the vault said no");
                e = Assert.Throws<FiksCertificateException>(() => client.GetAccessToken(new TokenOptions { ConsumerOrg = "974760673" }),
                    "with token options");
                Assert.Contains("the vault said no", e.Message, "the signer's message");

                // Once the key signs again, so does the client.
                key.Failure = null;
                Assert.True(client.GetAccessToken().Length > 0, "a token after the failures");
            }
            Assert.Equal(1, await M.CounterAsync("token_requests"), "token requests: only the last one was sent");
        }

        [Test]
        public async Task ManyTokenRequestsAtOnceEachGetASignature()
        {
            StoreOnlyRsa key = StoreKey();
            using (var client = new FiksClient(OptionsWithoutCertificate().SetSigner(key, new X509Certificate2(LeafWithKey().RawData))))
            {
                // Eight token requests at once (one per consumer_org): the native library may sign them on several
                // threads at once; each gets its own grant and token.
                var calls = new List<Task<string>>();
                for (int i = 0; i < 8; i++)
                {
                    string org = "92000000" + i;
                    calls.Add(i % 2 == 0
                        ? client.GetAccessTokenAsync(new TokenOptions { ConsumerOrg = org })
                        : Task.Run(() => client.GetAccessToken(new TokenOptions { ConsumerOrg = org })));
                }
                string[] tokens = await Task.WhenAll(calls);
                Assert.Equal(8, new HashSet<string>(tokens).Count, "distinct tokens");
            }
            Assert.Equal(8, key.Signatures, "signatures");
            Assert.Equal(8, await M.CounterAsync("tokens_issued"), "tokens issued");
        }

        [Test]
        public void ASignerNeedsACertificateOrAKeyIdAndNoPrivateKey()
        {
            // Which keys go with a signer is the native library's rule; the binding passes them on.
            FiksClientOptions neither = OptionsWithoutCertificate();
            neither.Signer = StoreKey();
            FiksConfigurationException e = Assert.Throws<FiksConfigurationException>(
                () => new FiksClient(neither).Dispose(), "neither certificate nor key_id");
            Assert.Equal("key_id", e.ConfigKey, "ConfigKey");
            FiksClientOptions options = OptionsWithoutCertificate().SetSigner(StoreKey(), M["kid"]);
            options.PrivateKey = M["key_pem"];
            e = Assert.Throws<FiksConfigurationException>(() => new FiksClient(options).Dispose(), "a signer and private_key");
            Assert.Equal("private_key", e.ConfigKey, "ConfigKey");
        }

        [Test]
        public void TheSignersHolderIsFreedWithTheLastClient()
        {
            StoreOnlyRsa key = StoreKey();
            // Clients other tests left to their finalizers are freed first: from here on only this test's count.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            int before = SignerBridge.LiveHolders;
            var client = new FiksClient(OptionsWithoutCertificate().SetSigner(key, M["kid"]));
            FiksClient derived = client.ForIntegrasjon("00000000-0000-4000-8000-000000000001", "mock-passord-1");
            Assert.Equal(before + 1, SignerBridge.LiveHolders, "one holder for the client and its derived client");
            client.Dispose();
            Assert.True(derived.GetAccessToken().Length > 0, "the derived client still signs");
            derived.Dispose();
            // Bounded: the native side lets the signer go when its last holder is freed (a library thread may drop
            // its reference just after the call it served).
            for (int i = 0; i < 100 && SignerBridge.LiveHolders != before; i++)
            {
                Thread.Sleep(50);
            }
            Assert.Equal(before, SignerBridge.LiveHolders, "holders after both clients are disposed");
            Assert.False(key.IsDisposed, "the caller's key stays the caller's");
            Assert.True(key.SignData(new byte[] { 1 }, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).Length > 0, "and still signs");
        }
    }
}
