using System;

namespace Fiks.Integrasjon.Native
{
    /// <summary>
    /// Forwards the native library's log events (<c>fiks_set_log_callback</c>) to the handler of
    /// <see cref="FiksClient.SetLogHandler"/>.
    /// </summary>
    /// <remarks>
    /// <para>One delegate, <see cref="Callback"/>, is ever passed to native code, and it lives in a static field for
    /// the life of the process: the native side may call it from any thread at any time until logging is turned
    /// off, and a collected delegate would be a crash.</para>
    /// <para>The handler and its level are one immutable <see cref="Sink"/> in a volatile field. Setting a new one
    /// writes the field and then calls <c>fiks_set_log_callback</c>, which returns only once every callback already
    /// running has returned; a callback that starts later reads the new sink. So when
    /// <see cref="FiksClient.SetLogHandler"/> returns, the previous handler is not running and is never called
    /// again, as the C contract promises for the callback.</para>
    /// <para>Nothing thrown by the handler reaches native code (it would tear the process down).</para>
    /// </remarks>
    internal static class LogBridge
    {
        private sealed class Sink
        {
            internal readonly Action<FiksLogRecord> Handler;
            internal readonly FiksLogLevel MaxLevel;

            internal Sink(Action<FiksLogRecord> handler, FiksLogLevel maxLevel)
            {
                Handler = handler;
                MaxLevel = maxLevel;
            }
        }

        /// <summary>The one delegate native code calls; never collected (a static field).</summary>
        private static readonly NativeMethods.LogCallback Callback = OnNativeLog;

        private static readonly object Gate = new object();
        private static volatile Sink _sink;
        private static bool _unloadHooked;

        [ThreadStatic]
        private static bool _inHandler;

        internal static void Set(Action<FiksLogRecord> handler, FiksLogLevel maxLevel)
        {
            if (maxLevel < FiksLogLevel.Off || maxLevel > FiksLogLevel.Trace)
            {
                throw new ArgumentOutOfRangeException("maxLevel", maxLevel, "A FiksLogLevel from Off to Trace.");
            }
            if (_inHandler)
            {
                // The native call would wait for this very callback to return: a deadlock.
                throw new InvalidOperationException("FiksClient.SetLogHandler cannot be called from inside the log handler.");
            }
            NativeLibraryLoader.EnsureLoaded();
            bool on = handler != null && maxLevel != FiksLogLevel.Off;
            lock (Gate)
            {
                if (on && !_unloadHooked)
                {
                    _unloadHooked = true;
                    // No native thread may call into a runtime that is shutting down or a domain that is gone.
                    AppDomain.CurrentDomain.ProcessExit += (s, e) => TurnOff();
                    AppDomain.CurrentDomain.DomainUnload += (s, e) => TurnOff();
                }
                _sink = on ? new Sink(handler, maxLevel) : null;
                IntPtr error;
                FiksStatus status = NativeMethods.fiks_set_log_callback(on ? Callback : null, IntPtr.Zero,
                    on ? maxLevel : FiksLogLevel.Off, out error);
                if (status != FiksStatus.Ok)
                {
                    _sink = null;
                }
                ErrorMapper.Check(status, error);
            }
        }

        private static void TurnOff()
        {
            try
            {
                lock (Gate)
                {
                    _sink = null;
                    IntPtr error;
                    NativeMethods.fiks_set_log_callback(null, IntPtr.Zero, FiksLogLevel.Off, out error);
                    ErrorHandle handle = ErrorHandle.Adopt(error);
                    if (handle != null)
                    {
                        handle.Dispose();
                    }
                }
            }
            catch (Exception)
            {
                // At exit there is no one left to tell.
            }
        }

        private static void OnNativeLog(FiksLogLevel level, IntPtr target, IntPtr message, IntPtr userData)
        {
            try
            {
                Sink sink = _sink;
                // A callback of the previous setting may still be on its way while a new one is set: the
                // sink's own level decides.
                if (sink == null || level == FiksLogLevel.Off || level > sink.MaxLevel)
                {
                    return;
                }
                var record = new FiksLogRecord(level, Utf8.FromNative(target), Utf8.FromNative(message));
                _inHandler = true;
                try
                {
                    sink.Handler(record);
                }
                finally
                {
                    _inHandler = false;
                }
            }
            catch (Exception)
            {
                // The handler's own failure: dropped, never into native code (see FiksClient.SetLogHandler).
            }
        }
    }
}
