using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// A <see cref="DelegatingHandler"/> that puts the Fiks headers (<c>Authorization: Bearer …</c>,
    /// <c>IntegrasjonId</c>, <c>IntegrasjonPassord</c>) on every request of an <see cref="HttpClient"/>,
    /// using the client's cached Maskinporten token (renewed when needed, off the caller's thread).
    /// </summary>
    /// <remarks>
    /// The handler does not own the <see cref="FiksClient"/>: dispose the client after the
    /// <see cref="HttpClient"/>. Set <see cref="BaseAddress"/> so that the headers only go to the
    /// Fiks API, and keep the secrets off redirects (<c>HttpClientHandler.AllowAutoRedirect = false</c>)
    /// when the HttpClient may be sent elsewhere.
    /// </remarks>
    /// <example>
    /// <code>
    /// var handler = new FiksAuthenticationHandler(client) { InnerHandler = new HttpClientHandler() };
    /// var http = new HttpClient(handler) { BaseAddress = new Uri("https://api.fiks.test.ks.no/") };
    /// var answer = await http.GetAsync("innsyn-sok/api/v1/...");
    /// </code>
    /// </example>
    public class FiksAuthenticationHandler : DelegatingHandler
    {
        private readonly FiksClient _client;

        /// <summary>A handler for <paramref name="client"/>; set <see cref="DelegatingHandler.InnerHandler"/> before use.</summary>
        public FiksAuthenticationHandler(FiksClient client)
        {
            if (client == null)
            {
                throw new ArgumentNullException("client");
            }
            _client = client;
        }

        /// <summary>A handler for <paramref name="client"/> that sends through <paramref name="innerHandler"/>.</summary>
        public FiksAuthenticationHandler(FiksClient client, HttpMessageHandler innerHandler) : base(innerHandler)
        {
            if (client == null)
            {
                throw new ArgumentNullException("client");
            }
            _client = client;
        }

        /// <summary>The client whose token and integration credentials are used.</summary>
        public FiksClient Client
        {
            get { return _client; }
        }

        /// <summary>
        /// When set, the Fiks headers are only added to requests whose URI starts with this address
        /// (scheme, host, port and path prefix); other requests pass through untouched. Default null: every request.
        /// </summary>
        public Uri BaseAddress { get; set; }

        /// <summary>Adds the Fiks headers and sends the request on.</summary>
        /// <exception cref="FiksTokenException">No token could be had (the request is not sent).</exception>
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request == null)
            {
                throw new ArgumentNullException("request");
            }
            if (AppliesTo(request.RequestUri))
            {
                IReadOnlyDictionary<string, string> headers = await _client.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
                Apply(request, headers);
            }
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        private bool AppliesTo(Uri uri)
        {
            Uri baseAddress = BaseAddress;
            if (baseAddress == null)
            {
                return true;
            }
            if (uri == null || !uri.IsAbsoluteUri || !baseAddress.IsAbsoluteUri)
            {
                return false;
            }
            if (Uri.Compare(uri, baseAddress, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
            {
                return false;
            }
            string prefix = baseAddress.AbsolutePath;
            return uri.AbsolutePath.StartsWith(prefix, StringComparison.Ordinal)
                || (prefix.EndsWith("/", StringComparison.Ordinal) && uri.AbsolutePath + "/" == prefix);
        }

        private static void Apply(HttpRequestMessage request, IReadOnlyDictionary<string, string> headers)
        {
            foreach (KeyValuePair<string, string> header in headers)
            {
                if (string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    string value = header.Value;
                    int space = value.IndexOf(' ');
                    request.Headers.Authorization = space > 0
                        ? new AuthenticationHeaderValue(value.Substring(0, space), value.Substring(space + 1))
                        : new AuthenticationHeaderValue("Bearer", value);
                }
                else
                {
                    request.Headers.Remove(header.Key);
                    request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
        }
    }
}
