using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Fiks.Integrasjon.Testing
{
    /// <summary>
    /// A small JSON reader (netstandard2.0 and Mono's profile have no JSON parser without packages):
    /// objects become Dictionary&lt;string, object&gt; (case-sensitive), arrays List&lt;object&gt;,
    /// numbers double. <see cref="FiksMock"/> reads the mock's JSON line and counters with it, and
    /// the repository's C# tests use it too (InternalsVisibleTo), so there is one copy.
    /// </summary>
    internal static class MiniJson
    {
        internal static object Parse(string text)
        {
            int i = 0;
            object v = Value(text, ref i);
            Skip(text, ref i);
            if (i != text.Length)
            {
                throw new FormatException("trailing text at " + i);
            }
            return v;
        }

        internal static Dictionary<string, object> Object(string text)
        {
            var o = Parse(text) as Dictionary<string, object>;
            if (o == null)
            {
                throw new FormatException("not a JSON object: " + text);
            }
            return o;
        }

        /// <summary>Finds the first value whose key matches <paramref name="key"/> (case-insensitive) anywhere in the tree.</summary>
        internal static object Find(object node, string key)
        {
            var o = node as Dictionary<string, object>;
            if (o != null)
            {
                foreach (KeyValuePair<string, object> kv in o)
                {
                    if (string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase))
                    {
                        return kv.Value;
                    }
                }
                foreach (KeyValuePair<string, object> kv in o)
                {
                    object found = Find(kv.Value, key);
                    if (found != null)
                    {
                        return found;
                    }
                }
                return null;
            }
            var a = node as List<object>;
            if (a != null)
            {
                // header lists like [["name","value"], ...] or [{"name":..,"value":..}]
                foreach (object item in a)
                {
                    var pair = item as List<object>;
                    if (pair != null && pair.Count == 2 && string.Equals(pair[0] as string, key, StringComparison.OrdinalIgnoreCase))
                    {
                        return pair[1];
                    }
                    var nv = item as Dictionary<string, object>;
                    if (nv != null)
                    {
                        object name;
                        object value;
                        if (nv.TryGetValue("name", out name) && string.Equals(name as string, key, StringComparison.OrdinalIgnoreCase)
                            && nv.TryGetValue("value", out value))
                        {
                            return value;
                        }
                    }
                    object found = Find(item, key);
                    if (found != null)
                    {
                        return found;
                    }
                }
            }
            return null;
        }

        private static void Skip(string s, ref int i)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }
        }

        private static object Value(string s, ref int i)
        {
            Skip(s, ref i);
            if (i >= s.Length)
            {
                throw new FormatException("unexpected end");
            }
            char c = s[i];
            if (c == '{')
            {
                var o = new Dictionary<string, object>();
                i++;
                Skip(s, ref i);
                if (s[i] == '}')
                {
                    i++;
                    return o;
                }
                while (true)
                {
                    Skip(s, ref i);
                    string k = Str(s, ref i);
                    Skip(s, ref i);
                    Expect(s, ref i, ':');
                    o[k] = Value(s, ref i);
                    Skip(s, ref i);
                    if (s[i] == ',')
                    {
                        i++;
                        continue;
                    }
                    Expect(s, ref i, '}');
                    return o;
                }
            }
            if (c == '[')
            {
                var a = new List<object>();
                i++;
                Skip(s, ref i);
                if (s[i] == ']')
                {
                    i++;
                    return a;
                }
                while (true)
                {
                    a.Add(Value(s, ref i));
                    Skip(s, ref i);
                    if (s[i] == ',')
                    {
                        i++;
                        continue;
                    }
                    Expect(s, ref i, ']');
                    return a;
                }
            }
            if (c == '"')
            {
                return Str(s, ref i);
            }
            if (s.Substring(i).StartsWith("true", StringComparison.Ordinal))
            {
                i += 4;
                return true;
            }
            if (s.Substring(i).StartsWith("false", StringComparison.Ordinal))
            {
                i += 5;
                return false;
            }
            if (s.Substring(i).StartsWith("null", StringComparison.Ordinal))
            {
                i += 4;
                return null;
            }
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0)
            {
                i++;
            }
            if (start == i)
            {
                throw new FormatException("unexpected '" + c + "' at " + i);
            }
            return double.Parse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        private static void Expect(string s, ref int i, char c)
        {
            if (i >= s.Length || s[i] != c)
            {
                throw new FormatException("expected '" + c + "' at " + i);
            }
            i++;
        }

        private static string Str(string s, ref int i)
        {
            Expect(s, ref i, '"');
            var sb = new StringBuilder();
            while (true)
            {
                char c = s[i++];
                if (c == '"')
                {
                    return sb.ToString();
                }
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                char e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u':
                        sb.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: sb.Append(e); break;
                }
            }
        }

        /// <summary>Quotes a string as JSON.</summary>
        internal static string Quote(string s)
        {
            var sb = new StringBuilder("\"");
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < ' ')
                        {
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            sb.Append(c);
                        }
                        break;
                }
            }
            return sb.Append('"').ToString();
        }
    }
}
