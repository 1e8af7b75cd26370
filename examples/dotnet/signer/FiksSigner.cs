// Keys that never leave their store, and per-request token options, run against the local mock:
//   1. SetCertificate with an X509Certificate2 loaded WITHOUT X509KeyStorageFlags.Exportable (as a certificate from
//      the Windows store, a smart card or CNG is): the key signs each grant where it is, nothing is exported;
//   2. SetSigner with any RSA (here RemoteKey, standing in for Azure Key Vault's or a KMS's RSA: it can sign, and
//      refuses every export) and the certificate without its key;
//   3. one client, a token per municipality it acts for (TokenOptions.ConsumerOrg), cached per municipality, and
//      an Altinn systembruker token (AuthorizationDetails.Systembruker, whose JSON comes from the native library);
//   4. a key that fails: a FiksCertificateException with Problem "signer" and the key's own message.
// Exits 1 on anything unexpected.
//
// Usage: FiksSigner.exe CONFIG.toml CERTIFICATE.p12 PASSWORD
//   (fiks-integrasjon-mock --dir DIR writes DIR/fiks.toml and DIR/virksomhet-legacy.p12: Mono reads the legacy
//   PKCS#12 encoding, .NET reads both)
using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fiks.Integrasjon;

internal static class FiksSigner
{
    private static int Main(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: FiksSigner.exe CONFIG.toml CERTIFICATE.p12 PASSWORD");
            return 2;
        }
        // Issuer, endpoints and the integrasjon from the file; the certificate given below replaces the file's.
        var config = new FiksClientOptions { ConfigFile = args[0] };
        bool ok = true;

        // 1. The key stays in the certificate: loaded without Exportable, used where it is.
        var certificate = new X509Certificate2(args[1], args[2], X509KeyStorageFlags.DefaultKeySet);
        using (var client = new FiksClient(config.Clone().SetCertificate(certificate)))
        {
            Console.WriteLine("SetCertificate (key not exportable): token of " + client.GetAccessToken().Length + " characters");
        }

        // 2. A key somewhere else: the library gets the certificate (no key) and asks the RSA for each signature.
        var withoutKey = new X509Certificate2(certificate.RawData);
        var remote = new RemoteKey(certificate.GetRSAPrivateKey());
        FiksClientOptions options = config.Clone().SetSigner(remote, withoutKey);
        Console.WriteLine("options: " + options);   // Signer = <signer>: nothing of the key is shown
        using (var client = new FiksClient(options))
        {
            Console.WriteLine("SetSigner: token of " + client.GetAccessToken().Length + " characters, "
                + remote.Signatures + " signature(s) by the remote key");

            // 3. One client, a token per municipality it acts for, each cached as its own.
            string oslo = client.GetAccessToken(new TokenOptions { ConsumerOrg = "974760673" });
            string bergen = client.GetAccessToken(new TokenOptions { ConsumerOrg = "964338531" });
            bool cached = client.GetAccessToken(new TokenOptions { ConsumerOrg = "974760673" }) == oslo;
            Console.WriteLine("consumer_org tokens: " + (oslo != bergen ? "one per municipality" : "THE SAME") + ", "
                + (cached ? "cached" : "NOT CACHED"));
            ok &= oslo != bergen && cached;

            string systembruker = AuthorizationDetails.Systembruker("910000001", "fagsystem-1");
            client.GetAccessToken(new TokenOptions { AuthorizationDetails = systembruker });
            Console.WriteLine("systembruker token for " + systembruker);

            // 4. A key that fails: its message comes back in the exception; no request is sent.
            remote.Offline = true;
            try
            {
                client.GetAccessToken(new TokenOptions { ConsumerOrg = "937052766" });
                Console.Error.WriteLine("a failing key gave a token");
                ok = false;
            }
            catch (FiksCertificateException e)
            {
                Console.WriteLine("a failing key: " + e.Problem + ": " + e.Message);
                ok &= e.Problem == "signer" && e.Message.Contains("the key vault is offline");
            }
        }
        return ok ? 0 : 1;
    }

    /// <summary>
    /// An RSA that only signs, as a key vault's does: every export refuses (RSA's export methods go through
    /// ExportParameters). A real one sends the hash to the vault; this one asks a key of its own.
    /// </summary>
    private sealed class RemoteKey : RSA
    {
        private readonly RSA _vault;

        internal RemoteKey(RSA vault)
        {
            _vault = vault;
            KeySizeValue = vault.KeySize;
        }

        internal int Signatures;
        internal volatile bool Offline;

        public override byte[] SignHash(byte[] hash, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding)
        {
            if (Offline)
            {
                throw new CryptographicException("the key vault is offline");
            }
            System.Threading.Interlocked.Increment(ref Signatures);
            return _vault.SignHash(hash, hashAlgorithm, padding);
        }

        // Mono's RSA.SignData hashes through HashData, which its base class leaves to subclasses.
        protected override byte[] HashData(byte[] data, int offset, int count, HashAlgorithmName hashAlgorithm)
        {
            if (hashAlgorithm != HashAlgorithmName.SHA256)
            {
                throw new CryptographicException("SHA-256 only");
            }
            using (SHA256 sha = SHA256.Create())
            {
                return sha.ComputeHash(data, offset, count);
            }
        }

        protected override byte[] HashData(System.IO.Stream data, HashAlgorithmName hashAlgorithm)
        {
            using (SHA256 sha = SHA256.Create())
            {
                return sha.ComputeHash(data);
            }
        }

        public override RSAParameters ExportParameters(bool includePrivateParameters)
        {
            throw new CryptographicException("the key never leaves the vault");
        }

        public override void ImportParameters(RSAParameters parameters)
        {
            throw new CryptographicException("the key is in the vault");
        }
    }
}
