using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Text;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// A 2xx answer from the Fiks API, copied into managed memory (nothing to dispose).
    /// Non-2xx answers are thrown as <see cref="FiksApiException"/> instead.
    /// </summary>
    public sealed class FiksResponse
    {
        private readonly byte[] _body;

        /// <summary>Creates a response; used by <see cref="FiksClient"/> and by tests that fake one.</summary>
        public FiksResponse(int statusCode, byte[] body, IEnumerable<KeyValuePair<string, string>> headers)
        {
            StatusCode = statusCode;
            _body = body ?? new byte[0];
            Headers = new ReadOnlyCollection<KeyValuePair<string, string>>(
                headers == null ? new List<KeyValuePair<string, string>>() : new List<KeyValuePair<string, string>>(headers));
        }

        /// <summary>The HTTP status code.</summary>
        public int StatusCode { get; private set; }

        /// <summary>Whether <see cref="StatusCode"/> is 2xx (always true for a response the client returned).</summary>
        public bool IsSuccessStatusCode { get { return StatusCode >= 200 && StatusCode <= 299; } }

        /// <summary>The body as received (the same array on every read; empty when there was none).</summary>
        public byte[] Body { get { return _body; } }

        /// <summary>The body decoded as UTF-8.</summary>
        public string BodyText { get { return Encoding.UTF8.GetString(_body); } }

        /// <summary>The response headers in the order received (a name may occur more than once).</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Headers { get; private set; }

        /// <summary>The first value of the header <paramref name="name"/> (case-insensitive), or null.</summary>
        public string GetHeader(string name)
        {
            if (name == null)
            {
                throw new ArgumentNullException("name");
            }
            foreach (KeyValuePair<string, string> kv in Headers)
            {
                if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return kv.Value;
                }
            }
            return null;
        }

        /// <summary>The <c>Content-Type</c> header, or null.</summary>
        public string ContentType { get { return GetHeader("Content-Type"); } }

        /// <summary>Status and body size; never the body.</summary>
        public override string ToString()
        {
            return "FiksResponse " + StatusCode + " (" + _body.Length + " bytes)";
        }
    }
}
