using System;
using System.Collections;
using System.Collections.Generic;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// The few headers <see cref="FiksClient.GetHeaders()"/> returns (and the kept response headers of
    /// <see cref="FiksException.ResponseHeaders"/>), as a read-only dictionary with case-insensitive
    /// names (HTTP semantics), kept in two arrays in their native order.
    /// </summary>
    /// <remarks>
    /// A <c>Dictionary</c> with <c>StringComparer.OrdinalIgnoreCase</c> behind a
    /// <c>ReadOnlyDictionary</c> cost ~1 µs per <c>GetHeaders()</c> under Mono for three entries,
    /// which a fagsystem pays on every request; a linear search over three names is cheaper than
    /// hashing them. Names are unique (the native library builds them).
    /// </remarks>
    internal sealed class HeaderDictionary : IReadOnlyDictionary<string, string>
    {
        /// <summary>No headers (shared: the dictionary is read-only).</summary>
        internal static readonly HeaderDictionary Empty = new HeaderDictionary(new string[0], new string[0]);

        private readonly string[] _names;
        private readonly string[] _values;

        internal HeaderDictionary(string[] names, string[] values)
        {
            if (names == null)
            {
                throw new ArgumentNullException("names");
            }
            if (values == null)
            {
                throw new ArgumentNullException("values");
            }
            if (names.Length != values.Length)
            {
                throw new ArgumentException("names and values differ in length", "values");
            }
            _names = names;
            _values = values;
        }

        public int Count
        {
            get { return _names.Length; }
        }

        public IEnumerable<string> Keys
        {
            get { return Array.AsReadOnly(_names); }
        }

        public IEnumerable<string> Values
        {
            get { return Array.AsReadOnly(_values); }
        }

        public string this[string key]
        {
            get
            {
                string value;
                if (!TryGetValue(key, out value))
                {
                    throw new KeyNotFoundException("No header named '" + key + "'.");
                }
                return value;
            }
        }

        public bool ContainsKey(string key)
        {
            return IndexOf(key) >= 0;
        }

        public bool TryGetValue(string key, out string value)
        {
            int i = IndexOf(key);
            value = i >= 0 ? _values[i] : null;
            return i >= 0;
        }

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
        {
            for (int i = 0; i < _names.Length; i++)
            {
                yield return new KeyValuePair<string, string>(_names[i], _values[i]);
            }
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }

        private int IndexOf(string key)
        {
            if (key == null)
            {
                throw new ArgumentNullException("key");
            }
            for (int i = 0; i < _names.Length; i++)
            {
                if (string.Equals(_names[i], key, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
