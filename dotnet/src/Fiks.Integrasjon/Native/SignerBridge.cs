// The bridge from the C ABI's external signer (`fiks_config_set_signer`) to a .NET RSA key: the grant is
// signed by RSA.SignData (RS256: SHA-256, PKCS#1 v1.5), so the key never has to leave its store (a
// Windows certificate store, a smart card, CNG/KSP, Azure Key Vault: any RSA).
//
// - The two delegates native code calls are static readonly fields: alive for the life of the process.
// - user_data is a normal GCHandle of a SignerBridge.Holder (the RSA and whether this binding owns it);
//   the native side calls free_user_data once, when the last config or client holding it is freed (from
//   any thread, the finalizer thread included), and that frees the GCHandle and disposes a key this binding
//   made itself (X509Certificate2.GetRSAPrivateKey returns a new object the caller owns). A key the user
//   gave (FiksClientOptions.SetSigner) stays the user's: never disposed here.
// - The sign callback runs on a library thread (a thread the .NET runtime did not start: Mono and .NET
//   attach it on the way in), possibly on several at once; one key is used by one call at a time (a lock
//   in the holder), since not every RSA implementation is safe to share (Mono's RSACryptoServiceProvider).
// - No exception leaves a callback: every failure becomes a non-zero return with its message (the native
//   library reports it as a FiksCertificateException with Problem "signer"). The signature is copied into the
//   library's buffer only when it fits.
using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace Fiks.Integrasjon.Native
{
    internal static class SignerBridge
    {
        /// <summary>The one sign callback native code calls; never collected (a static field).</summary>
        private static readonly NativeMethods.SignCallback SignCallback = OnSign;

        /// <summary>The one free_user_data callback; never collected.</summary>
        private static readonly NativeMethods.FreeUserDataCallback FreeCallback = OnFree;

        private const int Failed = 1;

        private static int _liveHolders;

        /// <summary>Holders handed to the native side and not yet freed by it; the tests read it.</summary>
        internal static int LiveHolders { get { return Volatile.Read(ref _liveHolders); } }

        /// <summary>What user_data points at: one RSA key, used by one call at a time.</summary>
        internal sealed class Holder
        {
            private readonly object _gate = new object();
            private readonly bool _ownsKey;
            private RSA _key;

            internal Holder(RSA key, bool ownsKey)
            {
                _key = key;
                _ownsKey = ownsKey;
            }

            internal byte[] Sign(byte[] input)
            {
                lock (_gate)
                {
                    if (_key == null)
                    {
                        throw new ObjectDisposedException("signer", "the signer's key was released");
                    }
                    return _key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                }
            }

            /// <summary>Forgets the key, disposing it when this binding made it.</summary>
            internal void Release()
            {
                RSA key;
                lock (_gate)
                {
                    key = _key;
                    _key = null;
                }
                if (_ownsKey && key != null)
                {
                    key.Dispose();
                }
            }
        }

        /// <summary>
        /// Hands <paramref name="key"/> to <paramref name="config"/> as its signer. <paramref name="ownsKey"/>: this
        /// binding made the key and disposes it when the native side lets it go. Throws the native library's error.
        /// </summary>
        internal static void Attach(ConfigHandle config, RSA key, bool ownsKey)
        {
            var holder = new Holder(key, ownsKey);
            GCHandle handle = GCHandle.Alloc(holder);
            Interlocked.Increment(ref _liveHolders);
            FiksStatus status;
            IntPtr error;
            try
            {
                status = NativeMethods.fiks_config_set_signer(config, SignCallback, GCHandle.ToIntPtr(handle), FreeCallback, out error);
            }
            catch
            {
                // The call did not happen (the config was disposed, the function is missing): nothing native holds it.
                Forget(handle, holder);
                throw;
            }
            if (status != FiksStatus.Ok)
            {
                // On failure the native side takes nothing: free_user_data is never called for this user_data.
                Forget(handle, holder);
            }
            // On success it owns user_data and calls free_user_data exactly once, when the last config or client
            // holding the signer is freed (ABI.md).
            ErrorMapper.Check(status, error);
        }

        private static void Forget(GCHandle handle, Holder holder)
        {
            handle.Free();
            Interlocked.Decrement(ref _liveHolders);
            holder.Release();
        }

        private static int OnSign(IntPtr userData, IntPtr input, UIntPtr inputLen, IntPtr signatureOut, UIntPtr signatureCapacity,
            IntPtr signatureLenOut, IntPtr messageOut, UIntPtr messageCapacity)
        {
            try
            {
                var holder = GCHandle.FromIntPtr(userData).Target as Holder;
                if (holder == null)
                {
                    return Fail(messageOut, messageCapacity, "the signer's key was released");
                }
                if (signatureLenOut == IntPtr.Zero || (signatureOut == IntPtr.Zero && signatureCapacity != UIntPtr.Zero))
                {
                    return Fail(messageOut, messageCapacity, "no signature buffer");
                }
                byte[] signature = holder.Sign(Utf8.CopyBytes(input, inputLen)) ?? new byte[0];
                if ((ulong)signature.Length > signatureCapacity.ToUInt64())
                {
                    return Fail(messageOut, messageCapacity, "the RSA key's signature (" + signature.Length
                        + " bytes) is larger than the library's buffer (" + signatureCapacity.ToUInt64() + " bytes)");
                }
                if (signature.Length > 0)
                {
                    Marshal.Copy(signature, 0, signatureOut, signature.Length);
                }
                Marshal.WriteIntPtr(signatureLenOut, new IntPtr(signature.Length));
                return 0;
            }
            catch (Exception e)
            {
                return Fail(messageOut, messageCapacity, Describe(e));
            }
        }

        private static void OnFree(IntPtr userData)
        {
            try
            {
                GCHandle handle = GCHandle.FromIntPtr(userData);
                var holder = handle.Target as Holder;
                if (holder != null)
                {
                    Forget(handle, holder);
                }
                else
                {
                    handle.Free();
                }
            }
            catch (Exception)
            {
                // Nothing may reach the native library (a key whose Dispose throws is left to its finalizer).
            }
        }

        /// <summary>The message of a failed signing: the exception's own, or its type when it has none.</summary>
        private static string Describe(Exception e)
        {
            try
            {
                var aggregate = e as AggregateException;
                if (aggregate != null && aggregate.InnerExceptions.Count == 1)
                {
                    e = aggregate.InnerExceptions[0];
                }
                string message = e.Message;
                return string.IsNullOrEmpty(message) ? e.GetType().FullName : message;
            }
            catch (Exception)
            {
                return "the RSA key failed";
            }
        }

        /// <summary>Writes <paramref name="message"/> as NUL-terminated UTF-8, cut at a character boundary to fit; returns non-zero.</summary>
        private static int Fail(IntPtr messageOut, UIntPtr messageCapacity, string message)
        {
            try
            {
                ulong capacity = messageCapacity.ToUInt64();
                if (messageOut == IntPtr.Zero || capacity == 0)
                {
                    return Failed;
                }
                byte[] bytes = Encoding.UTF8.GetBytes((message ?? string.Empty).Replace('\0', ' '));
                int length = (int)Math.Min((ulong)bytes.Length, capacity - 1);
                // Not in the middle of a character: back up over continuation bytes (10xxxxxx).
                while (length > 0 && length < bytes.Length && (bytes[length] & 0xC0) == 0x80)
                {
                    length--;
                }
                Marshal.Copy(bytes, 0, messageOut, length);
                Marshal.WriteByte(messageOut, length, 0);
            }
            catch (Exception)
            {
                // The message is optional; the status says it failed.
            }
            return Failed;
        }
    }
}
