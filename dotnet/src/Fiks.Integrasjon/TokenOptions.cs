using System;
using System.Collections.Generic;
using System.Threading;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// What one Maskinporten token is asked for, when it differs from the client's configuration: for
    /// <see cref="FiksClient.GetAccessToken(TokenOptions)"/> and <see cref="FiksClient.GetAccessTokenAsync(TokenOptions, CancellationToken)"/>.
    /// A property left null keeps the client's configured value. Each combination is cached by the native library
    /// as a token of its own and renewed ahead of expiry, so asking again for the same options costs no request.
    /// </summary>
    /// <remarks>
    /// The values are checked by the native library as the configuration keys of the same names are (an
    /// organisation number of 9 digits, a fødselsnummer of 11, JSON for <see cref="AuthorizationDetails"/>, …):
    /// a bad one is a <see cref="FiksConfigurationException"/> before any request is sent. An empty string clears
    /// the configured value for this request.
    /// </remarks>
    /// <example>
    /// <code>
    /// // One client, a token per municipality it acts for (delegation):
    /// string oslo = client.GetAccessToken(new TokenOptions { ConsumerOrg = "974760673" });
    /// // An Altinn systembruker token:
    /// string token = await client.GetAccessTokenAsync(new TokenOptions {
    ///     Scopes = new[] { "altinn:example" },
    ///     AuthorizationDetails = AuthorizationDetails.Systembruker("910000001"),
    /// }, ct);
    /// </code>
    /// </example>
    public sealed class TokenOptions
    {
        /// <summary><c>scopes</c>: the scopes asked for, instead of the configured ones.</summary>
        public IEnumerable<string> Scopes { get; set; }

        /// <summary><c>resource</c>: an audience-restricted token (the <c>resource</c> claim; several separated by spaces).</summary>
        public string Resource { get; set; }

        /// <summary><c>consumer_org</c>: delegation, act for this organisation (9 digits).</summary>
        public string ConsumerOrg { get; set; }

        /// <summary><c>pid</c>: an end-user-restricted token (11 digits).</summary>
        public string Pid { get; set; }

        /// <summary><c>on_behalf_of</c>: a supplier's sub-client (<c>iss_onbehalfof</c>).</summary>
        public string OnBehalfOf { get; set; }

        /// <summary>
        /// <c>authorization_details</c>: a rich authorization request as JSON, e.g. from
        /// <see cref="Fiks.Integrasjon.AuthorizationDetails.Systembruker"/> or
        /// <see cref="Fiks.Integrasjon.AuthorizationDetails.Samtykke"/>.
        /// </summary>
        public string AuthorizationDetails { get; set; }

        /// <summary>The options that are set, as the native library's option names and their values.</summary>
        internal List<KeyValuePair<string, string>> Entries()
        {
            var entries = new List<KeyValuePair<string, string>>();
            if (Scopes != null)
            {
                entries.Add(new KeyValuePair<string, string>("scopes", JoinScopes(Scopes)));
            }
            Add(entries, "resource", Resource);
            Add(entries, "consumer_org", ConsumerOrg);
            Add(entries, "pid", Pid);
            Add(entries, "on_behalf_of", OnBehalfOf);
            Add(entries, "authorization_details", AuthorizationDetails);
            return entries;
        }

        private static void Add(List<KeyValuePair<string, string>> entries, string option, string value)
        {
            if (value != null)
            {
                entries.Add(new KeyValuePair<string, string>(option, value));
            }
        }

        /// <summary>The scopes as the one space-separated value the native library reads (it checks them).</summary>
        private static string JoinScopes(IEnumerable<string> scopes)
        {
            var parts = new List<string>();
            foreach (string scope in scopes)
            {
                if (scope == null)
                {
                    throw new ArgumentException("The scopes contain null.", "options");
                }
                parts.Add(scope);
            }
            return string.Join(" ", parts);
        }
    }
}
