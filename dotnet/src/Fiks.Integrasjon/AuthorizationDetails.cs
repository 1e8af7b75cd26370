using System;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// The <c>authorization_details</c> JSON (rich authorization requests) Maskinporten takes for Altinn, built and
    /// checked by the native library: for <see cref="TokenOptions.AuthorizationDetails"/> or
    /// <see cref="FiksClientOptions.AuthorizationDetails"/>. A bad value is a <see cref="FiksConfigurationException"/>
    /// (its <see cref="FiksException.ConfigKey"/> is <c>authorization_details</c>).
    /// </summary>
    /// <example>
    /// <code>
    /// string token = client.GetAccessToken(new TokenOptions {
    ///     AuthorizationDetails = AuthorizationDetails.Systembruker("910000001", externalRef: "fagsystem-1"),
    /// });
    /// </code>
    /// </example>
    public static class AuthorizationDetails
    {
        /// <summary>
        /// An Altinn systembruker (<c>urn:altinn:systemuser</c>) of the organisation <paramref name="orgnr"/> (9 digits),
        /// optionally the one named by <paramref name="externalRef"/>.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="orgnr"/> is null.</exception>
        /// <exception cref="FiksConfigurationException">The native library refuses a value.</exception>
        public static string Systembruker(string orgnr, string externalRef = null)
        {
            byte[] o = Utf8.ToNative(orgnr, "orgnr");
            byte[] r = Utf8.ToNativeOrNull(externalRef, "externalRef");
            NativeLibraryLoader.EnsureLoaded();
            IntPtr json;
            IntPtr error;
            FiksStatus status = NativeMethods.fiks_authorization_details_systembruker(o, r, out json, out error);
            ErrorMapper.Check(status, error);
            return Utf8.TakeOwned(json);
        }

        /// <summary>
        /// An Altinn samtykke (<c>urn:altinn:consent</c>): the consent <paramref name="consentId"/> (a UUID) given by
        /// <paramref name="from"/> (a fødselsnummer of 11 digits, an organisation number of 9, or Altinn's URN for either).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="consentId"/> or <paramref name="from"/> is null.</exception>
        /// <exception cref="FiksConfigurationException">The native library refuses a value.</exception>
        public static string Samtykke(string consentId, string from)
        {
            byte[] id = Utf8.ToNative(consentId, "consentId");
            byte[] f = Utf8.ToNative(from, "from");
            NativeLibraryLoader.EnsureLoaded();
            IntPtr json;
            IntPtr error;
            FiksStatus status = NativeMethods.fiks_authorization_details_samtykke(id, f, out json, out error);
            ErrorMapper.Check(status, error);
            return Utf8.TakeOwned(json);
        }
    }
}
