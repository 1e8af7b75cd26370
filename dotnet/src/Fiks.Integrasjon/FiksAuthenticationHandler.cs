using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// A <see cref="DelegatingHandler"/> that puts the Fiks headers (<c>Authorization: Bearer …</c>,
    /// <c>IntegrasjonId</c>, <c>IntegrasjonPassord</c>) on the requests of an <see cref="HttpClient"/> that go to
    /// the Fiks API, using the client's cached Maskinporten token (renewed when needed, without blocking a thread:
    /// <see cref="FiksClient.GetHeadersAsync(string, CancellationToken)"/>).
    /// </summary>
    /// <remarks>
    /// <para><b>Where the headers go.</b> Only to URLs the native library allows for the <see cref="FiksClient"/>:
    /// the scheme, host and port of <c>fiks_base_url</c> with a path under its prefix, and the origins listed in
    /// <c>allowed_origins</c> (<see cref="FiksClient.MaySendHeaders"/>). A request to any other URL passes through
    /// untouched: no Fiks header is added, nothing is removed, and no token is fetched for it.
    /// <see cref="BaseAddress"/> can narrow this further, never widen it.</para>
    /// <para><b>Redirects.</b> The handler does not follow redirects, and it refuses to work over an inner handler
    /// that follows them by itself (<c>HttpClientHandler.AllowAutoRedirect = true</c>, the default, or
    /// <c>SocketsHttpHandler.AllowAutoRedirect</c>): such a handler sends the request again to whatever the
    /// <c>Location</c> names, and <c>HttpClient</c> strips only <c>Authorization</c> there, so
    /// <c>IntegrasjonPassord</c> would go along. The first request then throws a <see cref="FiksException"/> of
    /// kind <see cref="FiksErrorKind.Usage"/> and nothing is sent. With <c>AllowAutoRedirect = false</c> a redirect
    /// comes back to you as its 3xx answer; a request you send to its <c>Location</c> through this handler gets the
    /// Fiks headers only when that URL is allowed. (An inner handler of another kind that follows redirects is
    /// not detected: do not use one.)</para>
    /// <para><b>401.</b> When a request that carried the Fiks headers gets HTTP 401, the handler tells the client
    /// (<see cref="FiksClient.EvictToken"/>) and, when the client says a new token may help and the request's
    /// content can be sent again (no content, or <see cref="ByteArrayContent"/> such as <see cref="StringContent"/>
    /// and <see cref="FormUrlEncodedContent"/>, or <see cref="MultipartContent"/> made of those), sends it once more
    /// with a fresh token. A 401 to that fresh token is returned as it is: Fiks refuses the integrasjon (its id or
    /// password), and no further token is requested for it until the token expires.</para>
    /// <para>The handler does not own the <see cref="FiksClient"/>: dispose the client after the
    /// <see cref="HttpClient"/>. It awaits with <c>ConfigureAwait(false)</c>, so it never needs the caller's
    /// synchronization context.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// var handler = new FiksAuthenticationHandler(client, new HttpClientHandler { AllowAutoRedirect = false });
    /// var http = new HttpClient(handler) { BaseAddress = new Uri("https://api.fiks.test.ks.no/") };
    /// var answer = await http.GetAsync("innsyn-sok/api/v1/...");
    /// </code>
    /// </example>
    public class FiksAuthenticationHandler : DelegatingHandler
    {
        private readonly IFiksClient _client;
        private int _innerHandlerChecked;

        /// <summary>
        /// A handler for <paramref name="client"/> (a <see cref="FiksClient"/>, or a substitute in tests); set
        /// <see cref="DelegatingHandler.InnerHandler"/> before use, to a handler that does not follow redirects
        /// (e.g. <c>new HttpClientHandler { AllowAutoRedirect = false }</c>).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="client"/> is null.</exception>
        public FiksAuthenticationHandler(IFiksClient client)
        {
            if (client == null)
            {
                throw new ArgumentNullException("client");
            }
            _client = client;
        }

        /// <summary>
        /// A handler for <paramref name="client"/> that sends through <paramref name="innerHandler"/>, which must not
        /// follow redirects by itself.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="client"/> is null.</exception>
        public FiksAuthenticationHandler(IFiksClient client, HttpMessageHandler innerHandler) : base(innerHandler)
        {
            if (client == null)
            {
                throw new ArgumentNullException("client");
            }
            _client = client;
        }

        /// <summary>The client whose token and integration credentials are used.</summary>
        public IFiksClient Client
        {
            get { return _client; }
        }

        /// <summary>
        /// Narrows where the Fiks headers go: when set, only to requests whose URI starts with this address
        /// (scheme, host, port and path prefix) <em>and</em> that the native library allows. It cannot widen the
        /// rule: an address outside <c>fiks_base_url</c> and <c>allowed_origins</c> gets no headers either.
        /// Default null: every URL the native library allows.
        /// </summary>
        public Uri BaseAddress { get; set; }

        /// <summary>Adds the Fiks headers where they may go, sends the request on, and repeats it once after a 401 when that may help.</summary>
        /// <exception cref="FiksTokenException">No token could be had (the request is not sent).</exception>
        /// <exception cref="FiksException">Of kind <see cref="FiksErrorKind.Usage"/>: the inner handler follows redirects by itself.</exception>
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request == null)
            {
                throw new ArgumentNullException("request");
            }
            CheckInnerHandler();
            string url = HeaderUrl(request.RequestUri);
            if (url == null)
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            string authorization = await ApplyAsync(request, url, cancellationToken).ConfigureAwait(false);
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized || authorization == null)
            {
                return response;
            }
            // The client decides whether a new token may help (at most once per token lifetime).
            if (!_client.EvictToken(authorization) || !CanResend(request.Content))
            {
                return response;
            }
            response.Dispose();
            await ApplyAsync(request, url, cancellationToken).ConfigureAwait(false);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The URL to ask the native library about, or null when no Fiks header may go with the request.</summary>
        private string HeaderUrl(Uri uri)
        {
            if (uri == null || !uri.IsAbsoluteUri)
            {
                return null;
            }
            if (!WithinBaseAddress(uri))
            {
                return null;
            }
            string url = uri.AbsoluteUri;
            return _client.MaySendHeaders(url) ? url : null;
        }

        /// <summary>Sets the Fiks headers for <paramref name="url"/> on the request; returns the Authorization value sent.</summary>
        private async Task<string> ApplyAsync(HttpRequestMessage request, string url, CancellationToken cancellationToken)
        {
            IReadOnlyDictionary<string, string> headers = await _client.GetHeadersAsync(url, cancellationToken).ConfigureAwait(false);
            string authorization = null;
            foreach (KeyValuePair<string, string> header in headers)
            {
                if (string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    authorization = header.Value;
                    int space = authorization.IndexOf(' ');
                    request.Headers.Authorization = space > 0
                        ? new AuthenticationHeaderValue(authorization.Substring(0, space), authorization.Substring(space + 1))
                        : new AuthenticationHeaderValue("Bearer", authorization);
                }
                else
                {
                    request.Headers.Remove(header.Key);
                    request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
            return authorization;
        }

        /// <summary>The user's narrowing: under <see cref="BaseAddress"/> when it is set (no rule of the library).</summary>
        private bool WithinBaseAddress(Uri uri)
        {
            Uri baseAddress = BaseAddress;
            if (baseAddress == null)
            {
                return true;
            }
            if (!baseAddress.IsAbsoluteUri)
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

        /// <summary>Whether the content can be serialized a second time (no content, or bytes held in memory).</summary>
        private static bool CanResend(HttpContent content)
        {
            if (content == null || content is ByteArrayContent)
            {
                return true;
            }
            var multipart = content as MultipartContent;
            if (multipart == null)
            {
                return false;
            }
            foreach (HttpContent part in multipart)
            {
                if (!CanResend(part))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Refuses, once per handler, an innermost handler that follows redirects by itself.</summary>
        private void CheckInnerHandler()
        {
            if (Volatile.Read(ref _innerHandlerChecked) != 0)
            {
                return;
            }
            HttpMessageHandler inner = InnerHandler;
            var delegating = inner as DelegatingHandler;
            while (delegating != null)
            {
                inner = delegating.InnerHandler;
                delegating = inner as DelegatingHandler;
            }
            if (inner != null && FollowsRedirects(inner))
            {
                throw new FiksException(FiksErrorKind.Usage,
                    "FiksAuthenticationHandler refuses to send through " + inner.GetType().Name + " with AllowAutoRedirect = true: "
                    + "it would follow a redirect to any host with IntegrasjonPassord on the request. Give it "
                    + "new HttpClientHandler { AllowAutoRedirect = false } (with IHttpClientFactory: "
                    + "ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false })); "
                    + "a redirect then comes back as its 3xx answer.");
            }
            if (inner != null)
            {
                Volatile.Write(ref _innerHandlerChecked, 1);
            }
        }

        /// <summary>
        /// Whether a handler follows redirects by itself: <see cref="HttpClientHandler.AllowAutoRedirect"/>, or a
        /// public boolean <c>AllowAutoRedirect</c> (<c>SocketsHttpHandler</c>) or <c>AutomaticRedirection</c>
        /// (<c>WinHttpHandler</c>) property, read by reflection since netstandard2.0 has neither type.
        /// </summary>
        private static bool FollowsRedirects(HttpMessageHandler handler)
        {
            var clientHandler = handler as HttpClientHandler;
            if (clientHandler != null)
            {
                return clientHandler.AllowAutoRedirect;
            }
            foreach (string name in new[] { "AllowAutoRedirect", "AutomaticRedirection" })
            {
                PropertyInfo property = handler.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
                if (property != null && property.PropertyType == typeof(bool) && property.CanRead)
                {
                    return (bool)property.GetValue(handler, null);
                }
            }
            return false;
        }
    }
}
