using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Fiks.Integrasjon.Native
{
    /// <summary>
    /// UTF-8 marshalling by hand: <c>Marshal.PtrToStringUTF8</c> and <c>UnmanagedType.LPUTF8Str</c>
    /// are not available on netstandard2.0 or dependable under Mono.
    /// </summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>
        /// A NUL-terminated UTF-8 copy of <paramref name="value"/> for a <c>const char*</c> argument.
        /// Throws <see cref="ArgumentNullException"/> for null and <see cref="ArgumentException"/>
        /// for an embedded NUL or a lone surrogate (which the C side would reject or cut short).
        /// </summary>
        internal static byte[] ToNative(string value, string paramName)
        {
            if (value == null)
            {
                throw new ArgumentNullException(paramName);
            }
            if (value.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("The text contains a NUL character.", paramName);
            }
            byte[] bytes;
            try
            {
                int n = Strict.GetByteCount(value);
                bytes = new byte[n + 1];
                Strict.GetBytes(value, 0, value.Length, bytes, 0);
            }
            catch (EncoderFallbackException)
            {
                throw new ArgumentException("The text is not valid Unicode (a lone surrogate).", paramName);
            }
            return bytes;
        }

        /// <summary>Like <see cref="ToNative"/>, but null stays null (a NULL pointer).</summary>
        internal static byte[] ToNativeOrNull(string value, string paramName)
        {
            return value == null ? null : ToNative(value, paramName);
        }

        /// <summary>Overwrites a buffer that held a secret.</summary>
        internal static void Clear(byte[] buffer)
        {
            if (buffer != null)
            {
                Array.Clear(buffer, 0, buffer.Length);
            }
        }

        /// <summary>Reads a NUL-terminated UTF-8 string; null for a NULL pointer.</summary>
        /// <remarks>
        /// On the cached-read path (tokens, header names and values: ASCII), so it reads the native
        /// memory in place and widens ASCII itself. <c>Marshal.ReadByte</c> per byte (a runtime call
        /// each) and Mono's UTF-8 decoder (~0.4 µs for a 50-byte token) made a cached
        /// <c>GetHeaders()</c> cost ~7 µs under Mono (BENCHMARKS.md). Anything non-ASCII is decoded
        /// by <see cref="Encoding.UTF8"/>.
        /// </remarks>
        internal static unsafe string FromNative(IntPtr pointer)
        {
            if (pointer == IntPtr.Zero)
            {
                return null;
            }
            byte* bytes = (byte*)pointer;
            int length = 0;
            int high = 0;
            while (bytes[length] != 0)
            {
                high |= bytes[length];
                length++;
            }
            if (length == 0)
            {
                return string.Empty;
            }
            if (high >= 0x80)
            {
                return Encoding.UTF8.GetString(bytes, length);
            }
            if (length <= StackChars)
            {
                char* chars = stackalloc char[length];
                Widen(bytes, chars, length);
                return new string(chars, 0, length);
            }
            var heap = new char[length];
            fixed (char* chars = heap)
            {
                Widen(bytes, chars, length);
            }
            return new string(heap);
        }

        /// <summary>ASCII strings up to this many characters are widened on the stack (8 KiB).</summary>
        private const int StackChars = 4096;

        private static unsafe void Widen(byte* ascii, char* chars, int length)
        {
            for (int i = 0; i < length; i++)
            {
                chars[i] = (char)ascii[i];
            }
        }

        /// <summary>Copies <paramref name="length"/> bytes out of native memory.</summary>
        internal static byte[] CopyBytes(IntPtr pointer, UIntPtr length)
        {
            ulong n = length.ToUInt64();
            if (pointer == IntPtr.Zero || n == 0)
            {
                return new byte[0];
            }
            if (n > int.MaxValue)
            {
                throw new OutOfMemoryException("A native buffer is larger than a .NET array can hold.");
            }
            byte[] bytes = new byte[(int)n];
            Marshal.Copy(pointer, bytes, 0, (int)n);
            return bytes;
        }

        /// <summary>Reads an owned <c>char*</c> and frees it with <c>fiks_string_free</c>.</summary>
        internal static string TakeOwned(IntPtr pointer)
        {
            if (pointer == IntPtr.Zero)
            {
                return null;
            }
            try
            {
                return FromNative(pointer);
            }
            finally
            {
                NativeMethods.fiks_string_free(pointer);
            }
        }
    }
}
