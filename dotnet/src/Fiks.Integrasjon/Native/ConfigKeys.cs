using System;
using System.Collections.Generic;

namespace Fiks.Integrasjon.Native
{
    /// <summary>One row of the core's key table: a configuration key, its kind and whether it is a secret.</summary>
    internal sealed class ConfigKey
    {
        internal ConfigKey(string name, string kind, bool isSecret)
        {
            Name = name;
            Kind = kind;
            IsSecret = isSecret;
        }

        /// <summary>The snake_case name, e.g. <c>issuer</c>.</summary>
        internal string Name { get; private set; }

        /// <summary>The core's kind: "text", "secret", "credential", "seconds", "count", "list", …</summary>
        internal string Kind { get; private set; }

        /// <summary>Whether the value must never be shown (the core decides).</summary>
        internal bool IsSecret { get; private set; }
    }

    /// <summary>
    /// The core's configuration key table, read once through <c>fiks_config_key_count</c>,
    /// <c>fiks_config_key_name</c>, <c>fiks_config_key_kind</c> and <c>fiks_config_key_is_secret</c>.
    /// The binding keeps no list of its own: which keys exist and which are secrets is the core's.
    /// </summary>
    internal static class ConfigKeys
    {
        private static readonly object Gate = new object();
        private static IReadOnlyList<ConfigKey> _all;

        /// <summary>Every key, in the core's order; loads the native library the first time.</summary>
        internal static IReadOnlyList<ConfigKey> All
        {
            get
            {
                IReadOnlyList<ConfigKey> all = _all;
                if (all != null)
                {
                    return all;
                }
                lock (Gate)
                {
                    if (_all == null)
                    {
                        _all = Read();
                    }
                    return _all;
                }
            }
        }

        /// <summary>Whether <paramref name="name"/> (snake_case) is a secret key; true for a name the core does not know.</summary>
        internal static bool IsSecret(string name)
        {
            foreach (ConfigKey key in All)
            {
                if (key.Name == name)
                {
                    return key.IsSecret;
                }
            }
            return true;
        }

        private static IReadOnlyList<ConfigKey> Read()
        {
            NativeLibraryLoader.EnsureLoaded();
            ulong count = NativeMethods.fiks_config_key_count().ToUInt64();
            var keys = new List<ConfigKey>((int)count);
            for (ulong i = 0; i < count; i++)
            {
                var index = new UIntPtr(i);
                string name = Utf8.FromNative(NativeMethods.fiks_config_key_name(index));
                if (name == null)
                {
                    continue;
                }
                string kind = Utf8.FromNative(NativeMethods.fiks_config_key_kind(index)) ?? "text";
                keys.Add(new ConfigKey(name, kind, NativeMethods.fiks_config_key_is_secret(index)));
            }
            return keys.AsReadOnly();
        }
    }
}
