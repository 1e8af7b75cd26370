// The P/Invoke declarations of libfiks_integrasjon, one for each function of ffi/ABI.md.
//
// Conventions (see ABI.md):
// - `const char*` arguments are passed as NUL-terminated UTF-8 byte[] built by Utf8.ToNative;
//   this works the same on Mono, .NET Framework and .NET (no LPUTF8Str needed).
// - strings coming back are IntPtr, read with Utf8.FromNative; owned `char*` are freed with
//   fiks_string_free, borrowed `const char*` live as long as the object they came from.
// - nothing here loads the library by itself: every public entry point that starts a chain of
//   native calls (building a config, parsing an error, reading the version) first calls
//   NativeLibraryLoader.EnsureLoaded(), which installs the resolver and reports a missing library.
// - every long-lived native object (config, client, response) is held by a SafeHandle subclass
//   (SafeHandles.cs), so a handle cannot be freed while a call that uses it is still running on
//   another thread. Two short-lived ones are IntPtr, because a SafeHandle out-param costs a
//   finalizable object per call (~0.5 µs under Mono) on the cached-read path: `error_out`, taken
//   over by ErrorMapper.Check (a handle only when a call failed), the `fiks_headers*` that
//   FiksClient.GetHeaders reads and frees in one try/finally on one thread, and the
//   `fiks_request*` that FiksClient.Send builds, sends and frees the same way (and the
//   `fiks_token_request*` of FiksClient.GetAccessToken(TokenOptions)).
// - `size_t` is UIntPtr, `uint16_t` is ushort, `uint64_t` is ulong, C `bool` is one byte
//   (UnmanagedType.I1), C enums (`fiks_status`, `fiks_log_level`) are int-sized C# enums.
// - the callbacks are delegates: `fiks_log_callback` is LogCallback (FiksLog keeps the one
//   instance it passes in a static field); the three completion callbacks of the `_async` calls
//   are TokenCallback, HeadersCallback and ResponseCallback, one instance each, held for the
//   life of the process in static fields of AsyncCall (AsyncCall.cs), so the native side never
//   calls a collected delegate. Their `user_data` is a GCHandle of the call's managed state.
//   The signer's `fiks_sign_callback` and its `free_user_data` are SignCallback and
//   FreeUserDataCallback, one instance each in static fields of SignerBridge (SignerBridge.cs);
//   their `user_data` is a GCHandle of the key's holder, freed by free_user_data.
// - a `fiks_call*` is an IntPtr owned by AsyncCall, freed once by it (fiks_call_free).
using System;
using System.Runtime.InteropServices;

namespace Fiks.Integrasjon.Native
{
    internal static class NativeMethods
    {
        /// <summary>The name DllImport resolves: libfiks_integrasjon.so, libfiks_integrasjon.dylib, fiks_integrasjon.dll.</summary>
        internal const string LibraryName = "fiks_integrasjon";

        // ---- library -------------------------------------------------------------------------

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_version();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_string_free(IntPtr str);

        /// <summary>A static string ("config", "token", …; "unknown" for other values): never freed.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_status_name(FiksStatus status);

        // ---- log -----------------------------------------------------------------------------

        /// <summary>A NULL <paramref name="callback"/> turns logging off. The delegate passed must stay
        /// reachable for as long as the native side may call it (FiksLog keeps it in a static field).</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_set_log_callback(LogCallback callback, IntPtr user_data, FiksLogLevel max_level, out IntPtr error_out);

        /// <summary>The C <c>fiks_log_callback</c>: <c>target</c> and <c>message</c> are borrowed for the call only.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void LogCallback(FiksLogLevel level, IntPtr target, IntPtr message, IntPtr user_data);

        // ---- config --------------------------------------------------------------------------

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern ConfigHandle fiks_config_new();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_set(ConfigHandle config, byte[] key, byte[] value, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_load_file(ConfigHandle config, byte[] path, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_load_env(ConfigHandle config, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_set_certificate_pkcs12(ConfigHandle config, byte[] data, UIntPtr len, byte[] password, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_load_toml(ConfigHandle config, byte[] toml, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_load_env_with_file(ConfigHandle config, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_set_integrasjon(ConfigHandle config, byte[] name, byte[] integrasjon_id,
            byte[] integrasjon_passord, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_set_service(ConfigHandle config, byte[] name, byte[] base_url, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr fiks_config_key_count();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_config_key_name(UIntPtr index);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_config_key_kind(UIntPtr index);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_config_key_is_secret(UIntPtr index);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_config_free(IntPtr config);

        /// <summary>
        /// The C <c>fiks_sign_callback</c>: signs <c>input_len</c> bytes at <c>input</c> (RS256), writes the signature
        /// into <c>signature_out</c> (<c>signature_capacity</c> bytes) and its length to <c>*signature_len_out</c>, and
        /// returns 0; or returns non-zero with an optional NUL-terminated UTF-8 message in <c>message_out</c>
        /// (<c>message_capacity</c> bytes). Called on a library thread, possibly on several at once. SignerBridge
        /// keeps the one instance it passes in a static field.
        /// </summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int SignCallback(IntPtr user_data, IntPtr input, UIntPtr input_len, IntPtr signature_out,
            UIntPtr signature_capacity, IntPtr signature_len_out, IntPtr message_out, UIntPtr message_capacity);

        /// <summary>Frees a signer's <c>user_data</c>: called once, when the last native config or client holding it is
        /// freed, possibly on another thread.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void FreeUserDataCallback(IntPtr user_data);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_config_set_signer(ConfigHandle config, SignCallback sign, IntPtr user_data,
            FreeUserDataCallback free_user_data, out IntPtr error_out);

        // ---- client --------------------------------------------------------------------------

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_new(ConfigHandle config, out ClientHandle client_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_client_free(IntPtr client);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_access_token(ClientHandle client, out IntPtr token_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_access_token_for_scopes(ClientHandle client, byte[] scopes, out IntPtr token_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_headers(ClientHandle client, out IntPtr headers_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_headers_for_url(ClientHandle client, byte[] url, out IntPtr headers_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_client_may_send_headers(ClientHandle client, byte[] url);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_evict_token(ClientHandle client, byte[] token,
            [MarshalAs(UnmanagedType.I1)] out bool retry_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_send(ClientHandle client, IntPtr request, out ResponseHandle response_out, out IntPtr error_out);

        // ---- per-request token options (a fiks_token_request* is an IntPtr built, used and freed by FiksClient) --

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_token_request_new(ClientHandle client, out IntPtr request_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_token_request_set(IntPtr request, byte[] option, byte[] value, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_token_request_free(IntPtr request);

        /// <summary>A static string, or NULL past the last option: never freed.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_token_option_name(UIntPtr index);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_access_token_for(ClientHandle client, IntPtr request, out IntPtr token_out, out IntPtr error_out);

        // ---- authorization_details (the JSON is core's) ------------------------------------------

        /// <summary><paramref name="external_ref"/> may be null; <c>*json_out</c> is an owned string.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_authorization_details_systembruker(byte[] orgnr, byte[] external_ref, out IntPtr json_out,
            out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_authorization_details_samtykke(byte[] id, byte[] from, out IntPtr json_out, out IntPtr error_out);

        // ---- completion-based calls ------------------------------------------------------------

        /// <summary>Receives the result of <c>fiks_client_access_token_async</c>: an owned <c>char*</c> or an owned error.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void TokenCallback(IntPtr user_data, FiksStatus status, IntPtr token, IntPtr error);

        /// <summary>Receives the result of <c>fiks_client_headers_async</c>: an owned <c>fiks_headers*</c> or an owned error.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void HeadersCallback(IntPtr user_data, FiksStatus status, IntPtr headers, IntPtr error);

        /// <summary>Receives the result of <c>fiks_client_send_async</c>: an owned <c>fiks_response*</c> or an owned error.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void ResponseCallback(IntPtr user_data, FiksStatus status, IntPtr response, IntPtr error);

        /// <summary><paramref name="scopes"/> null = the configured scopes.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_access_token_async(ClientHandle client, byte[] scopes, TokenCallback callback,
            IntPtr user_data, out IntPtr call_out, out IntPtr error_out);

        /// <summary><paramref name="url"/> null = <c>fiks_base_url</c>; checked before the call starts.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_headers_async(ClientHandle client, byte[] url, HeadersCallback callback,
            IntPtr user_data, out IntPtr call_out, out IntPtr error_out);

        /// <summary>Like <c>fiks_client_access_token_async</c> for the token request <paramref name="request"/>.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_access_token_for_async(ClientHandle client, IntPtr request, TokenCallback callback,
            IntPtr user_data, out IntPtr call_out, out IntPtr error_out);

        /// <summary>The request is copied at once: free it when this returns.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_send_async(ClientHandle client, IntPtr request, ResponseCallback callback,
            IntPtr user_data, out IntPtr call_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_call_cancel(IntPtr call);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_call_is_finished(IntPtr call);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_call_free(IntPtr call);

        /// <summary>True with an owned secret string when a fresh token is cached; no I/O.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_client_cached_access_token(ClientHandle client, out IntPtr token_out);

        /// <summary>True with owned headers when a fresh token is cached (and the headers may go to a non-null
        /// <paramref name="url"/>); no I/O.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_client_cached_headers(ClientHandle client, byte[] url, out IntPtr headers_out);

        // ---- request -------------------------------------------------------------------------

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_request_new(byte[] method, byte[] path, out IntPtr request_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_request_set_header(IntPtr request, byte[] name, byte[] value, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_request_set_body(IntPtr request, byte[] data, UIntPtr len, byte[] content_type, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_request_set_timeout_ms(IntPtr request, ulong timeout_ms, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_request_free(IntPtr request);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_request_set_service(IntPtr request, byte[] name, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_request_set_multipart(IntPtr request, IntPtr parts, out IntPtr error_out);

        // ---- multipart parts (a fiks_parts* is an IntPtr built, attached and freed by FiksMultipart.Attach) --

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_parts_new();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_parts_add_bytes(IntPtr parts, byte[] name, byte[] data, UIntPtr len, byte[] filename,
            byte[] content_type, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_parts_add_text(IntPtr parts, byte[] name, byte[] text, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_parts_add_json(IntPtr parts, byte[] name, byte[] json, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_parts_add_file(IntPtr parts, byte[] name, byte[] path, byte[] filename,
            byte[] content_type, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_parts_free(IntPtr parts);

        // ---- derived clients, Fiks IO ----------------------------------------------------------

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_for_integrasjon(ClientHandle parent, byte[] integrasjon_id, byte[] integrasjon_passord,
            out ClientHandle client_out, out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_for_integrasjon_named(ClientHandle parent, byte[] name, out ClientHandle client_out,
            out IntPtr error_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_as_person(ClientHandle parent, byte[] person_token, out ClientHandle client_out,
            out IntPtr error_out);

        /// <summary>Both strings are owned (fiks_string_free wipes them); the times are Unix seconds.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_client_fiks_io_credentials(ClientHandle client, out IntPtr username_out, out IntPtr password_out,
            out long expires_at_unix_out, out long renew_at_unix_out, out IntPtr error_out);

        // ---- headers -------------------------------------------------------------------------

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr fiks_headers_count(IntPtr headers);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_headers_name(IntPtr headers, UIntPtr index);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_headers_value(IntPtr headers, UIntPtr index);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_headers_free(IntPtr headers);

        // ---- response ------------------------------------------------------------------------

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern ushort fiks_response_status(ResponseHandle response);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_response_body(ResponseHandle response, out UIntPtr len_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr fiks_response_headers_count(ResponseHandle response);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_response_header_name(ResponseHandle response, UIntPtr index);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_response_header_value(ResponseHandle response, UIntPtr index);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_response_free(IntPtr response);

        // ---- error ---------------------------------------------------------------------------

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_error_kind(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_message(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern ushort fiks_error_http_status(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_id(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_code(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_json(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_fiks_message(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_path(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_original_path(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_error(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_error_timestamp(ErrorHandle error, out long timestamp_ms_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_oauth_error(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_oauth_description(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_mp_code(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_hint(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_problem(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_config_key(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_error_is_transient(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_error_body_truncated(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_header(ErrorHandle error, byte[] name);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool fiks_error_retry_after_ms(ErrorHandle error, out ulong ms_out);

        /// <summary>A <c>const uint8_t*</c> of <c>*len_out</c> bytes, or NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fiks_error_body(ErrorHandle error, out UIntPtr len_out);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fiks_error_free(IntPtr error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern FiksStatus fiks_parse_error(byte[] body, UIntPtr len, ushort http_status, out ErrorHandle error_out);
    }

    /// <summary>The C enum <c>fiks_status</c>; values are fixed by ABI.md and never reused.</summary>
    internal enum FiksStatus
    {
        Ok = 0,
        InvalidArgument = 1,
        Config = 2,
        Certificate = 3,
        Token = 4,
        Api = 5,
        Transport = 6,
        Internal = 7,
        Usage = 8,
        Cancelled = 9,
    }
}
