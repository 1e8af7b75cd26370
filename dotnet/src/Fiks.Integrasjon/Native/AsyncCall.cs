// The bridge from the C ABI's completion-based calls (`fiks_client_*_async`, ABI.md "Completion-based
// calls") to .NET Tasks: no thread waits while a token or an answer is on its way.
//
// - One PendingCall<T> per call holds the TaskCompletionSource (RunContinuationsAsynchronously: no
//   caller code ever runs on the library thread), the `fiks_call*`, the CancellationToken's
//   registration and the ClientHandle. A normal GCHandle to it is the call's `user_data`: it keeps the
//   state, and through it the ClientHandle, reachable until the callback has run, so a client whose
//   FiksClient was dropped with calls pending is not finalized under them. The callback frees it.
// - The three callback delegates are static readonly fields: alive for the life of the process.
// - The race: the callback may run before the start function has returned the `fiks_call*`. One lock
//   per call orders the three parties: Attach (the starting thread, stores the handle), Cancel (the
//   token's registration, calls fiks_call_cancel only on a stored, unfreed handle) and Deliver (the
//   callback, marks the call finished and frees the handle if stored). Whoever comes last frees the
//   handle; fiks_call_cancel never sees a freed one. fiks_call_cancel only flags the task and returns,
//   so calling it under the lock cannot deadlock with the callback.
// - Outcomes: a result; a FiksException; FIKS_ERROR_CANCELLED with problem "cancelled" (our
//   fiks_call_cancel) becomes a Canceled task carrying the caller's token; with problem
//   "client_closed" (the client was freed with the call pending: FiksClient.Dispose) an
//   ObjectDisposedException. No exception leaves a callback.
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Fiks.Integrasjon.Native
{
    /// <summary>Starts one native <c>_async</c> call: writes <c>*call_out</c> and <c>*error_out</c> as the C function does.</summary>
    internal delegate FiksStatus AsyncStarter(IntPtr userData, out IntPtr call, out IntPtr error);

    /// <summary>The part of a pending call the static callbacks see.</summary>
    internal abstract class PendingCall
    {
        internal static readonly NativeMethods.TokenCallback TokenCallback = OnToken;
        internal static readonly NativeMethods.HeadersCallback HeadersCallback = OnHeaders;
        internal static readonly NativeMethods.ResponseCallback ResponseCallback = OnResponse;

        internal static readonly Action<IntPtr> FreeString = NativeMethods.fiks_string_free;
        internal static readonly Action<IntPtr> FreeHeaders = NativeMethods.fiks_headers_free;
        internal static readonly Action<IntPtr> FreeResponse = NativeMethods.fiks_response_free;

        private static readonly Action<object> CancelAction = state => ((PendingCall)state).Cancel();

        private readonly object _gate = new object();
        private IntPtr _call;
        private bool _finished;
        private bool _registered;
        private CancellationTokenRegistration _registration;
        private ClientHandle _client;

        protected PendingCall(ClientHandle client, CancellationToken cancellationToken)
        {
            _client = client;
            CancellationToken = cancellationToken;
        }

        protected CancellationToken CancellationToken { get; private set; }

        /// <summary>Completes the task with the outcome; frees <paramref name="result"/> (the call's own kind of owned result).</summary>
        protected abstract void Complete(FiksStatus status, IntPtr result, IntPtr error);

        /// <summary>Fails the task (used when even reading the outcome failed).</summary>
        protected abstract void Fail(Exception e);

        /// <summary>
        /// Called by the starting thread after the start function returned OK with <paramref name="call"/>: keeps the
        /// handle for cancelling (or frees it when the callback ran already), then wires the token.
        /// </summary>
        internal void Attach(IntPtr call)
        {
            bool freeNow = false;
            lock (_gate)
            {
                if (_finished)
                {
                    freeNow = true;
                }
                else
                {
                    _call = call;
                }
            }
            if (freeNow)
            {
                NativeMethods.fiks_call_free(call);
                return;
            }
            if (!CancellationToken.CanBeCanceled)
            {
                return;
            }
            // Runs Cancel at once when the token is cancelled already.
            CancellationTokenRegistration registration = CancellationToken.Register(CancelAction, this);
            bool disposeNow = false;
            lock (_gate)
            {
                if (_finished)
                {
                    disposeNow = true;
                }
                else
                {
                    _registration = registration;
                    _registered = true;
                }
            }
            if (disposeNow)
            {
                registration.Dispose();
            }
        }

        /// <summary>The token's registration: cancels the native call unless it has finished (its handle is then freed).</summary>
        private void Cancel()
        {
            lock (_gate)
            {
                if (!_finished && _call != IntPtr.Zero)
                {
                    // Only flags the native task; the callback follows on the library thread.
                    NativeMethods.fiks_call_cancel(_call);
                }
            }
        }

        /// <summary>The callback's work: marks the call finished, frees its handle and registration, completes the task.</summary>
        private void Deliver(FiksStatus status, IntPtr result, IntPtr error)
        {
            IntPtr call;
            bool registered;
            CancellationTokenRegistration registration;
            ClientHandle client;
            lock (_gate)
            {
                _finished = true;
                call = _call;
                _call = IntPtr.Zero;
                registered = _registered;
                _registered = false;
                registration = _registration;
                // Held only to keep the client (and its finalizer) away while the call was pending.
                client = _client;
                _client = null;
            }
            GC.KeepAlive(client);
            try
            {
                if (call != IntPtr.Zero)
                {
                    NativeMethods.fiks_call_free(call);
                }
                if (registered)
                {
                    // Waits only for a Cancel running right now, which holds the gate for one fiks_call_cancel.
                    registration.Dispose();
                }
            }
            finally
            {
                Complete(status, result, error);
            }
        }

        /// <summary>Maps a failed outcome: cancelled by the caller, closed with the client, or a FiksException.</summary>
        protected Exception Failure(FiksStatus status, IntPtr error, out bool cancelled)
        {
            FiksException e = ErrorMapper.ToException(status, ErrorHandle.Adopt(error));
            cancelled = false;
            if (status == FiksStatus.Cancelled)
            {
                if (e.Problem == "client_closed")
                {
                    return new ObjectDisposedException(typeof(FiksClient).FullName,
                        "The FiksClient was disposed while this call was pending: " + e.Message);
                }
                cancelled = true;
                return null;
            }
            return e;
        }

        private static void OnToken(IntPtr userData, FiksStatus status, IntPtr token, IntPtr error)
        {
            Dispatch(userData, status, token, error, FreeString);
        }

        private static void OnHeaders(IntPtr userData, FiksStatus status, IntPtr headers, IntPtr error)
        {
            Dispatch(userData, status, headers, error, FreeHeaders);
        }

        private static void OnResponse(IntPtr userData, FiksStatus status, IntPtr response, IntPtr error)
        {
            Dispatch(userData, status, response, error, FreeResponse);
        }

        /// <summary>Runs on the library thread (or the thread freeing the client); lets no exception out.</summary>
        private static void Dispatch(IntPtr userData, FiksStatus status, IntPtr result, IntPtr error, Action<IntPtr> free)
        {
            PendingCall call = null;
            try
            {
                GCHandle self = GCHandle.FromIntPtr(userData);
                call = self.Target as PendingCall;
                self.Free();
                if (call == null)
                {
                    if (result != IntPtr.Zero)
                    {
                        free(result);
                    }
                    NativeMethods.fiks_error_free(error);
                    return;
                }
                call.Deliver(status, result, error);
            }
            catch (Exception e)
            {
                try
                {
                    if (call != null)
                    {
                        call.Fail(e);
                    }
                }
                catch (Exception)
                {
                    // Nothing may reach the native library.
                }
            }
        }
    }

    /// <summary>A pending call whose task gets a <typeparamref name="T"/> read out of the native result.</summary>
    internal sealed class PendingCall<T> : PendingCall
    {
        private readonly TaskCompletionSource<T> _source = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Func<IntPtr, T> _take;
        private readonly Action<IntPtr> _free;

        private PendingCall(ClientHandle client, CancellationToken cancellationToken, Func<IntPtr, T> take, Action<IntPtr> free)
            : base(client, cancellationToken)
        {
            _take = take;
            _free = free;
        }

        /// <summary>
        /// Starts a native call. <paramref name="take"/> reads and frees its owned result on the library thread (it
        /// must not block), <paramref name="free"/> frees a result that cannot be read. Errors the start function
        /// returns (the callback then never runs) fault the task; a client disposed before the start gives an
        /// <see cref="ObjectDisposedException"/>.
        /// </summary>
        internal static Task<T> Start(ClientHandle client, CancellationToken cancellationToken, AsyncStarter start,
            Func<IntPtr, T> take, Action<IntPtr> free)
        {
            var call = new PendingCall<T>(client, cancellationToken, take, free);
            GCHandle self = GCHandle.Alloc(call);
            FiksStatus status;
            IntPtr handle;
            IntPtr error;
            try
            {
                status = start(GCHandle.ToIntPtr(self), out handle, out error);
            }
            catch (ObjectDisposedException)
            {
                // The SafeHandle refused: the client was disposed before the call could start.
                self.Free();
                return Faulted(new ObjectDisposedException(typeof(FiksClient).FullName));
            }
            catch
            {
                self.Free();
                throw;
            }
            if (status != FiksStatus.Ok)
            {
                // The callback never runs for a call that did not start.
                self.Free();
                return Faulted(ErrorMapper.ToException(status, ErrorHandle.Adopt(error)));
            }
            NativeMethods.fiks_error_free(error);
            call.Attach(handle);
            return call._source.Task;
        }

        internal static Task<T> Faulted(Exception e)
        {
            var failed = new TaskCompletionSource<T>();
            failed.SetException(e);
            return failed.Task;
        }

        protected override void Complete(FiksStatus status, IntPtr result, IntPtr error)
        {
            if (status == FiksStatus.Ok)
            {
                NativeMethods.fiks_error_free(error);
                _source.TrySetResult(_take(result));
                return;
            }
            if (result != IntPtr.Zero)
            {
                _free(result);
            }
            bool cancelled;
            Exception e = Failure(status, error, out cancelled);
            if (cancelled)
            {
                _source.TrySetCanceled(CancellationToken);
            }
            else
            {
                _source.TrySetException(e);
            }
        }

        protected override void Fail(Exception e)
        {
            _source.TrySetException(e);
        }
    }
}
