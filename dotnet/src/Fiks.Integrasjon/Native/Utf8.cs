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
        internal static string FromNative(IntPtr pointer)
        {
            if (pointer == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(pointer, length) != 0)
            {
                length++;
            }
            return FromNative(pointer, length);
        }

        /// <summary>Reads <paramref name="length"/> bytes of UTF-8.</summary>
        internal static string FromNative(IntPtr pointer, int length)
        {
            if (pointer == IntPtr.Zero)
            {
                return null;
            }
            if (length == 0)
            {
                return string.Empty;
            }
            byte[] bytes = new byte[length];
            Marshal.Copy(pointer, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
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

        /// <summary>
        /// Copies strings into native memory for a <c>const char* const*</c> argument;
        /// free with <see cref="FreeArray"/>.
        /// </summary>
        internal static IntPtr[] AllocArray(string[] values, string paramName)
        {
            IntPtr[] result = new IntPtr[values.Length];
            try
            {
                for (int i = 0; i < values.Length; i++)
                {
                    byte[] bytes = ToNative(values[i], paramName);
                    result[i] = Marshal.AllocHGlobal(bytes.Length);
                    Marshal.Copy(bytes, 0, result[i], bytes.Length);
                    Clear(bytes);
                }
            }
            catch
            {
                FreeArray(result);
                throw;
            }
            return result;
        }

        /// <summary>Zeroes and frees what <see cref="AllocArray"/> allocated.</summary>
        internal static void FreeArray(IntPtr[] pointers)
        {
            if (pointers == null)
            {
                return;
            }
            for (int i = 0; i < pointers.Length; i++)
            {
                IntPtr p = pointers[i];
                if (p == IntPtr.Zero)
                {
                    continue;
                }
                int n = 0;
                while (Marshal.ReadByte(p, n) != 0)
                {
                    Marshal.WriteByte(p, n, 0);
                    n++;
                }
                Marshal.FreeHGlobal(p);
                pointers[i] = IntPtr.Zero;
            }
        }
    }
}
