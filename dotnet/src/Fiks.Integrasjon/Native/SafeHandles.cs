// One SafeHandle subclass per long-lived native handle type (a fiks_headers* is read and freed
// within one call, as an IntPtr: NativeMethods.cs says why). The runtime keeps a handle alive (and
// un-freed) for the length of every P/Invoke call that receives it, and frees it exactly once:
// from Dispose, or from the critical finalizer on the finalizer thread. ABI.md allows every
// _free function to be called from any thread, and _free(NULL) is never reached (IsInvalid).
using System;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace Fiks.Integrasjon.Native
{
    /// <summary>Counts live native clients; the tests use it to see that Dispose and finalizers free them.</summary>
    internal static class NativeHandleCounters
    {
        private static int _clients;

        internal static int LiveClients { get { return Volatile.Read(ref _clients); } }

        internal static void ClientCreated() { Interlocked.Increment(ref _clients); }
        internal static void ClientFreed() { Interlocked.Decrement(ref _clients); }
    }

    /// <summary>Base of the handles: owns the pointer, frees it once through <see cref="Free"/>.</summary>
    internal abstract class NativeHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        protected NativeHandle() : base(true)
        {
        }

        protected sealed override bool ReleaseHandle()
        {
            Free(handle);
            return true;
        }

        protected abstract void Free(IntPtr pointer);
    }

    /// <summary>A <c>fiks_config*</c>; not thread safe, used on one thread and disposed at once.</summary>
    internal sealed class ConfigHandle : NativeHandle
    {
        public ConfigHandle()
        {
        }

        /// <summary>A new empty native config; loads the native library first.</summary>
        internal static ConfigHandle Create()
        {
            NativeLibraryLoader.EnsureLoaded();
            ConfigHandle h = NativeMethods.fiks_config_new();
            if (h == null || h.IsInvalid)
            {
                throw new OutOfMemoryException("fiks_config_new returned NULL");
            }
            return h;
        }

        protected override void Free(IntPtr pointer)
        {
            NativeMethods.fiks_config_free(pointer);
        }
    }

    /// <summary>A <c>fiks_client*</c>; safe to share between threads, freed from any thread.</summary>
    internal sealed class ClientHandle : NativeHandle
    {
        public ClientHandle()
        {
        }

        /// <summary>Counts this client as live; called once after fiks_client_new succeeded.</summary>
        internal void Track()
        {
            if (!IsInvalid)
            {
                NativeHandleCounters.ClientCreated();
            }
        }

        protected override void Free(IntPtr pointer)
        {
            NativeMethods.fiks_client_free(pointer);
            NativeHandleCounters.ClientFreed();
        }
    }

    /// <summary>A <c>fiks_response*</c>; immutable.</summary>
    internal sealed class ResponseHandle : NativeHandle
    {
        public ResponseHandle()
        {
        }

        /// <summary>Takes ownership of a <c>fiks_response*</c> handed to a completion callback; null for NULL.</summary>
        internal static ResponseHandle Adopt(IntPtr pointer)
        {
            if (pointer == IntPtr.Zero)
            {
                return null;
            }
            var handle = new ResponseHandle();
            handle.SetHandle(pointer);
            return handle;
        }

        protected override void Free(IntPtr pointer)
        {
            NativeMethods.fiks_response_free(pointer);
        }
    }

    /// <summary>A <c>fiks_error*</c>; immutable. Read by <see cref="ErrorMapper"/> and freed in its finally.</summary>
    internal sealed class ErrorHandle : NativeHandle
    {
        public ErrorHandle()
        {
        }

        /// <summary>Takes ownership of an <c>error_out</c> pointer; null for NULL.</summary>
        internal static ErrorHandle Adopt(IntPtr pointer)
        {
            if (pointer == IntPtr.Zero)
            {
                return null;
            }
            var handle = new ErrorHandle();
            handle.SetHandle(pointer);
            return handle;
        }

        protected override void Free(IntPtr pointer)
        {
            NativeMethods.fiks_error_free(pointer);
        }
    }
}
