using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// What a <see cref="FiksClient"/> offers an application: tokens, the Fiks headers and calls to the Fiks API.
    /// Depend on this interface where a test should substitute the client (a fake that returns fixed headers,
    /// or one that throws); <see cref="FiksAuthenticationHandler"/> accepts it too. The members are documented on
    /// <see cref="FiksClient"/>, the one implementation of this package.
    /// </summary>
    /// <example>
    /// <code>
    /// public sealed class Archive
    /// {
    ///     private readonly IFiksClient _fiks;
    ///     public Archive(IFiksClient fiks) { _fiks = fiks; }
    ///     public Task&lt;FiksResponse&gt; SearchAsync(string json, CancellationToken ct)
    ///         =&gt; _fiks.SendAsync(HttpMethod.Post, "/innsyn-sok/api/v1/sok", json, null, ct);
    /// }
    /// </code>
    /// </example>
    public interface IFiksClient : IDisposable
    {
        /// <summary>A Maskinporten access token for the configured scopes (see <see cref="FiksClient.GetAccessToken()"/>).</summary>
        string GetAccessToken();

        /// <summary>A Maskinporten access token for other scopes (see <see cref="FiksClient.GetAccessToken(IEnumerable{string})"/>).</summary>
        string GetAccessToken(IEnumerable<string> scopes);

        /// <summary>A token without blocking a thread (see <see cref="FiksClient.GetAccessTokenAsync(CancellationToken)"/>).</summary>
        Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>A token for other scopes without blocking a thread (see
        /// <see cref="FiksClient.GetAccessTokenAsync(IEnumerable{string}, CancellationToken)"/>).</summary>
        Task<string> GetAccessTokenAsync(IEnumerable<string> scopes, CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>The Fiks headers (see <see cref="FiksClient.GetHeaders()"/>).</summary>
        IReadOnlyDictionary<string, string> GetHeaders();

        /// <summary>The Fiks headers for a request to <paramref name="url"/> (see <see cref="FiksClient.GetHeaders(string)"/>).</summary>
        IReadOnlyDictionary<string, string> GetHeaders(string url);

        /// <summary>The Fiks headers without blocking a thread (see <see cref="FiksClient.GetHeadersAsync(CancellationToken)"/>).</summary>
        Task<IReadOnlyDictionary<string, string>> GetHeadersAsync(CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>The Fiks headers for <paramref name="url"/> without blocking a thread (see
        /// <see cref="FiksClient.GetHeadersAsync(string, CancellationToken)"/>).</summary>
        Task<IReadOnlyDictionary<string, string>> GetHeadersAsync(string url, CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>Whether the Fiks headers may go to <paramref name="url"/> (see <see cref="FiksClient.MaySendHeaders"/>).</summary>
        bool MaySendHeaders(string url);

        /// <summary>Forgets a token Fiks answered 401 to (see <see cref="FiksClient.EvictToken"/>).</summary>
        bool EvictToken(string token);

        /// <summary>Calls the Fiks API (see <see cref="FiksClient.Send(string, string, string, TimeSpan?)"/>).</summary>
        FiksResponse Send(string method, string path, string body = null, TimeSpan? timeout = null);

        /// <summary>Calls the Fiks API with a byte body and extra headers (see
        /// <see cref="FiksClient.Send(string, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?)"/>).</summary>
        FiksResponse Send(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            TimeSpan? timeout = null);

        /// <summary>Calls the Fiks API (see <see cref="FiksClient.Send(HttpMethod, string, string, TimeSpan?)"/>).</summary>
        FiksResponse Send(HttpMethod method, string path, string body = null, TimeSpan? timeout = null);

        /// <summary>Calls the Fiks API with a byte body and extra headers (see
        /// <see cref="FiksClient.Send(HttpMethod, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?)"/>).</summary>
        FiksResponse Send(HttpMethod method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            TimeSpan? timeout = null);

        /// <summary>Calls the Fiks API without blocking a thread (see
        /// <see cref="FiksClient.SendAsync(string, string, string, TimeSpan?, CancellationToken)"/>).</summary>
        Task<FiksResponse> SendAsync(string method, string path, string body = null, TimeSpan? timeout = null,
            CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>Calls the Fiks API with a byte body and extra headers without blocking a thread (see
        /// <see cref="FiksClient.SendAsync(string, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?, CancellationToken)"/>).</summary>
        Task<FiksResponse> SendAsync(string method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            TimeSpan? timeout = null, CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>Calls the Fiks API without blocking a thread (see
        /// <see cref="FiksClient.SendAsync(HttpMethod, string, string, TimeSpan?, CancellationToken)"/>).</summary>
        Task<FiksResponse> SendAsync(HttpMethod method, string path, string body = null, TimeSpan? timeout = null,
            CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>Calls the Fiks API with a byte body and extra headers without blocking a thread (see
        /// <see cref="FiksClient.SendAsync(HttpMethod, string, byte[], IEnumerable{KeyValuePair{string, string}}, TimeSpan?, CancellationToken)"/>).</summary>
        Task<FiksResponse> SendAsync(HttpMethod method, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers = null,
            TimeSpan? timeout = null, CancellationToken cancellationToken = default(CancellationToken));
    }
}
