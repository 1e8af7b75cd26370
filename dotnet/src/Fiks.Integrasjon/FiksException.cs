using System;
using System.Collections.Generic;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon
{
    /// <summary>The broad class of a <see cref="FiksException"/>; the values are those of the C <c>fiks_status</c>.</summary>
    public enum FiksErrorKind
    {
        /// <summary>An argument the native library refused (NULL, invalid UTF-8, out of range).</summary>
        InvalidArgument = 1,
        /// <summary>A configuration key is unknown, missing, malformed or combined wrongly: <see cref="FiksConfigurationException"/>.</summary>
        Configuration = 2,
        /// <summary>The certificate or key cannot be read, is expired, does not match, or the password is wrong: <see cref="FiksCertificateException"/>.</summary>
        Certificate = 3,
        /// <summary>No access token: Maskinporten refused the grant, or the person-token callback failed: <see cref="FiksTokenException"/>.</summary>
        Token = 4,
        /// <summary>The Fiks API answered with a non-2xx status: <see cref="FiksApiException"/>.</summary>
        Api = 5,
        /// <summary>Connecting, TLS, a timeout or an unreadable answer: <see cref="FiksTransportException"/>.</summary>
        Transport = 6,
        /// <summary>A bug in the library (a caught panic).</summary>
        Internal = 7,
        /// <summary>Misuse the library refuses instead of hanging, e.g. a client used in a forked child process.</summary>
        Usage = 8,
        /// <summary>An asynchronous call that ended without a result: cancelled (<see cref="FiksException.Problem"/>
        /// <c>cancelled</c>) or still pending when its client was freed (<c>client_closed</c>). The <c>…Async</c>
        /// methods of <see cref="FiksClient"/> never throw it: they report a cancelled
        /// <see cref="System.Threading.Tasks.Task"/> or an <see cref="ObjectDisposedException"/> instead.</summary>
        Cancelled = 9,
    }

    /// <summary>
    /// Base of every error from Fiks.Integrasjon; <see cref="Kind"/> tells which. Every exception read from the
    /// native library carries the whole error model of the core: <see cref="KindName"/>, <see cref="Problem"/>,
    /// <see cref="Hint"/>, <see cref="ConfigKey"/>, <see cref="HttpStatus"/>, <see cref="IsTransient"/>,
    /// <see cref="RetryAfter"/> and <see cref="ResponseHeaders"/> here, and the Maskinporten and Fiks fields
    /// on <see cref="FiksTokenException"/> and <see cref="FiksApiException"/>; Python and C report the same values.
    /// <see cref="Exception.Message"/> says what was wrong and <see cref="Hint"/> what to do (it is not part of the
    /// message: log both). Neither ever contains a password, key or token.
    /// </summary>
    /// <example>
    /// <code>
    /// try { client.Send("GET", "/status/404"); }
    /// catch (FiksApiException e) { log.Error("Fiks said {0}; errorId {1}", e.HttpStatus, e.ErrorId); }
    /// catch (FiksException e) when (e.IsTransient) { retryLater(e.RetryAfter ?? TimeSpan.FromSeconds(30)); }
    /// catch (FiksException e) { log.Error("{0} ({1}): {2} ({3})", e.KindName, e.Problem, e.Message, e.Hint); }
    /// </code>
    /// </example>
    public class FiksException : Exception
    {
        private string _kindName;
        private IReadOnlyDictionary<string, string> _responseHeaders = HeaderDictionary.Empty;

        /// <summary>A failure of kind <see cref="FiksErrorKind.Internal"/>.</summary>
        public FiksException(string message) : this(FiksErrorKind.Internal, message, null)
        {
        }

        /// <summary>A failure of kind <see cref="FiksErrorKind.Internal"/> caused by <paramref name="innerException"/>.</summary>
        public FiksException(string message, Exception innerException) : this(FiksErrorKind.Internal, message, innerException)
        {
        }

        /// <summary>A failure of the given kind.</summary>
        public FiksException(FiksErrorKind kind, string message) : this(kind, message, null)
        {
        }

        /// <summary>A failure of the given kind caused by <paramref name="innerException"/>.</summary>
        public FiksException(FiksErrorKind kind, string message, Exception innerException) : base(message, innerException)
        {
            Kind = kind;
        }

        /// <summary>Which kind of failure this is.</summary>
        public FiksErrorKind Kind { get; private set; }

        /// <summary>
        /// The kind's stable lowercase name, the same in every binding (the C <c>fiks_status_name</c>, Python's
        /// <c>kind</c>): <c>config</c>, <c>certificate</c>, <c>token</c>, <c>api</c>, <c>transport</c>, <c>usage</c>,
        /// <c>invalid_argument</c>, <c>cancelled</c> or <c>internal</c>. For an exception made by hand it is asked of the native
        /// library; null only when that library cannot be loaded.
        /// </summary>
        public string KindName
        {
            get
            {
                string name = _kindName;
                if (name == null)
                {
                    name = NativeKindName(Kind);
                    _kindName = name;
                }
                return name;
            }
        }

        /// <summary>
        /// A stable <c>snake_case</c> name for what went wrong within the kind, for programs to compare, or null:
        /// for certificate errors <c>wrong_password</c>, <c>expired</c>, <c>not_yet_valid</c>, <c>key_mismatch</c>,
        /// <c>self_signed</c>, <c>unreadable</c>, <c>not_a_certificate</c>, <c>unsupported_key</c>, <c>missing</c>,
        /// <c>signer</c> (the external signer — <see cref="FiksClientOptions.Signer"/>, or the key of
        /// <see cref="FiksClientOptions.ClientCertificate"/> — threw, timed out or gave a signature that does not verify);
        /// for transport errors <c>timeout</c>, <c>connect</c>, <c>tls</c>, <c>invalid_response</c>, <c>other</c>;
        /// for token errors <c>maskinporten_refused</c>, <c>maskinporten_unavailable</c>, <c>person_token_provider</c>;
        /// for API errors <c>integrasjon_refused</c>, <c>redirect</c>, <c>not_a_fiks_error</c> (else null).
        /// The native library decides them; names are never reused.
        /// </summary>
        public string Problem { get; private set; }

        /// <summary>What to do about it (a short hint naming the keys to check), or null. Not part of
        /// <see cref="Exception.Message"/>; chosen by the native library for the error and the mode.</summary>
        public string Hint { get; private set; }

        /// <summary>The configuration key the error is about (<c>issuer</c>, <c>certificate_password</c>, …), or null.</summary>
        public string ConfigKey { get; private set; }

        /// <summary>
        /// The HTTP status of the answer that failed — Maskinporten's for a <see cref="FiksTokenException"/>, the Fiks
        /// API's for a <see cref="FiksApiException"/>, an unusable answer's for a <see cref="FiksTransportException"/> —
        /// or null when no HTTP answer was involved: configuration, certificate, usage and cancelled errors, a
        /// connection that failed or timed out before an answer, a person-token callback that failed. The same
        /// <c>int?</c> on every exception type (C's <c>fiks_error_http_status</c> gives 0 for none; Python's
        /// <c>status</c> is <c>None</c>).
        /// </summary>
        public int? HttpStatus { get; private set; }

        /// <summary>Whether trying again later may succeed (a connect failure, a timeout, HTTP 429, 500, 502, 503
        /// or 504): the rule the library itself retries by. False for an exception made by hand.</summary>
        public bool IsTransient { get; private set; }

        /// <summary>The server's <c>Retry-After</c> as a wait (seconds or an HTTP date, capped as the retry rule
        /// caps it), or null when it sent none. <see cref="ResponseHeaders"/> holds the value as sent.</summary>
        public TimeSpan? RetryAfter { get; private set; }

        /// <summary>
        /// The response headers the error keeps, as sent: <c>Retry-After</c>, <c>Location</c> (a redirect's target;
        /// redirects are never followed) and <c>WWW-Authenticate</c>, each only when the answer had it. Read-only,
        /// names compared case-insensitively; empty (never null) when there was no answer or none of them.
        /// </summary>
        public IReadOnlyDictionary<string, string> ResponseHeaders
        {
            get { return _responseHeaders; }
        }

        /// <summary>Copies the core's error model read from a native error.</summary>
        internal void SetModel(NativeErrorInfo info)
        {
            _kindName = info.KindName;
            Problem = info.Problem;
            Hint = info.Hint;
            ConfigKey = info.ConfigKey;
            HttpStatus = info.HttpStatus;
            IsTransient = info.IsTransient;
            RetryAfter = info.RetryAfter;
            _responseHeaders = info.Headers ?? HeaderDictionary.Empty;
        }

        /// <summary>Sets <see cref="HttpStatus"/> from a constructor argument: 0 (C's value for none) is null.</summary>
        internal void SetHttpStatus(int? httpStatus)
        {
            HttpStatus = httpStatus == 0 ? null : httpStatus;
        }

        private static string NativeKindName(FiksErrorKind kind)
        {
            try
            {
                NativeLibraryLoader.EnsureLoaded();
                return Utf8.FromNative(NativeMethods.fiks_status_name((FiksStatus)(int)kind));
            }
            catch (DllNotFoundException)
            {
                return null;
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }
        }
    }

    /// <summary>A configuration key is unknown, missing, malformed or combined wrongly. The message names the key,
    /// and so does <see cref="FiksException.ConfigKey"/> when it is a single key.</summary>
    public class FiksConfigurationException : FiksException
    {
        /// <summary>Creates the exception.</summary>
        public FiksConfigurationException(string message) : base(FiksErrorKind.Configuration, message, null)
        {
        }

        /// <summary>Creates the exception with its cause.</summary>
        public FiksConfigurationException(string message, Exception innerException) : base(FiksErrorKind.Configuration, message, innerException)
        {
        }
    }

    /// <summary>The certificate or key cannot be read, is expired, does not match its key, or the password is wrong;
    /// raised before any network call. Or the key that signs the grants in its store failed (<see cref="FiksException.Problem"/>
    /// <c>signer</c>, the message carries what it threw; no token request was sent). <see cref="FiksException.Problem"/>
    /// says which (<c>wrong_password</c>, <c>expired</c>, <c>signer</c>, …) and <see cref="FiksException.ConfigKey"/> which key to check.</summary>
    public class FiksCertificateException : FiksException
    {
        /// <summary>Creates the exception.</summary>
        public FiksCertificateException(string message) : base(FiksErrorKind.Certificate, message, null)
        {
        }

        /// <summary>Creates the exception with its cause.</summary>
        public FiksCertificateException(string message, Exception innerException) : base(FiksErrorKind.Certificate, message, innerException)
        {
        }
    }

    /// <summary>
    /// No access token could be had: Maskinporten refused the token request (the fields are those of its OAuth
    /// error answer, <see cref="FiksException.HttpStatus"/> its status), or, in person mode, the callback that gives
    /// the citizen's token failed (<see cref="FiksException.Problem"/> <c>person_token_provider</c>; Maskinporten was
    /// not asked and the fields, <see cref="FiksException.HttpStatus"/> included, are null). A Maskinporten that
    /// could not be reached, or whose answer could not be read, is a <see cref="FiksTransportException"/>.
    /// </summary>
    public class FiksTokenException : FiksException
    {
        /// <summary>Creates the exception.</summary>
        public FiksTokenException(string message) : base(FiksErrorKind.Token, message, null)
        {
        }

        /// <summary>Creates the exception with the fields of Maskinporten's answer: its HTTP status (null, or 0, for
        /// none), the OAuth <c>error</c> and <c>error_description</c>, and the Maskinporten code.</summary>
        public FiksTokenException(string message, int? httpStatus, string oauthError, string description, string maskinportenCode)
            : base(FiksErrorKind.Token, message, null)
        {
            SetHttpStatus(httpStatus);
            OAuthError = oauthError;
            Description = description;
            MaskinportenCode = maskinportenCode;
        }

        /// <summary>The OAuth <c>error</c>: <c>invalid_grant</c>, <c>invalid_scope</c>, <c>invalid_client</c>, …</summary>
        public string OAuthError { get; private set; }

        /// <summary>The OAuth <c>error_description</c>, usually starting with a Maskinporten code such as <c>MP-110</c>.</summary>
        public string Description { get; private set; }

        /// <summary>The Maskinporten code (<c>MP-110</c>, …) taken from <see cref="Description"/>, or null.</summary>
        public string MaskinportenCode { get; private set; }
    }

    /// <summary>
    /// The Fiks API answered with a non-2xx status (<see cref="FiksException.HttpStatus"/>). The fields come from
    /// the Fiks error body (<c>errorId</c>, <c>errorCode</c>, <c>errorJson</c>, …); each is null when the body lacks
    /// it (<see cref="FiksException.Problem"/> is then <c>not_a_fiks_error</c>, or <c>redirect</c> for a 3xx whose
    /// target is in <see cref="FiksException.ResponseHeaders"/>), and <see cref="Body"/> always holds the answer as received.
    /// </summary>
    public class FiksApiException : FiksException
    {
        private readonly FiksError _error;

        /// <summary>Creates the exception.</summary>
        public FiksApiException(string message) : base(FiksErrorKind.Api, message, null)
        {
        }

        /// <summary>Creates the exception from a parsed Fiks error (see <see cref="FiksError.TryParse(string, out FiksError)"/>).</summary>
        public FiksApiException(string message, FiksError error) : base(FiksErrorKind.Api, message, null)
        {
            _error = error;
            SetHttpStatus(error == null ? null : error.Status);
        }

        /// <summary>The Fiks <c>errorId</c> (a UUID): quote it to KS support.</summary>
        public string ErrorId { get { return _error == null ? null : _error.ErrorId; } }

        /// <summary>The Fiks <c>errorCode</c>, a machine-readable code chosen by the API.</summary>
        public string ErrorCode { get { return _error == null ? null : _error.ErrorCode; } }

        /// <summary>The Fiks <c>errorJson</c> as JSON text (the API's structured details).</summary>
        public string ErrorJson { get { return _error == null ? null : _error.ErrorJson; } }

        /// <summary>The Fiks <c>message</c> (the API's own description).</summary>
        public string FiksMessage { get { return _error == null ? null : _error.Message; } }

        /// <summary>The Fiks <c>error</c> field: the reason phrase, e.g. <c>Not Found</c>.</summary>
        public string Reason { get { return _error == null ? null : _error.Error; } }

        /// <summary>The Fiks <c>path</c>: the path the API saw.</summary>
        public string Path { get { return _error == null ? null : _error.Path; } }

        /// <summary>The Fiks <c>originalPath</c>: the path before the Fiks gateway rewrote it.</summary>
        public string OriginalPath { get { return _error == null ? null : _error.OriginalPath; } }

        /// <summary>The Fiks <c>timestamp</c>.</summary>
        public DateTimeOffset? Timestamp { get { return _error == null ? null : _error.Timestamp; } }

        /// <summary>The answer body as received (the same array on every read), or null.</summary>
        public byte[] Body { get { return _error == null ? null : _error.RawBody; } }

        /// <summary><see cref="Body"/> decoded as UTF-8, or null.</summary>
        public string BodyText { get { return _error == null ? null : _error.BodyText; } }

        /// <summary>True when <see cref="Body"/> is only the first 1 MiB of a longer answer (the rest was not read).</summary>
        public bool BodyTruncated { get { return _error != null && _error.BodyTruncated; } }

        /// <summary>The parsed error body, or null.</summary>
        public FiksError Error { get { return _error; } }
    }

    /// <summary>Connecting, TLS, a timeout, or an answer that could not be read; <see cref="FiksException.Problem"/>
    /// says which (<c>connect</c>, <c>tls</c>, <c>timeout</c>, <c>invalid_response</c>, <c>too_large</c> — an answer
    /// over <see cref="FiksClientOptions.MaxResponseBytes"/> —, <c>other</c>) and
    /// <see cref="FiksException.HttpStatus"/> is the status of an unusable answer (garbage, an HTML page), else null.</summary>
    public class FiksTransportException : FiksException
    {
        /// <summary>Creates the exception.</summary>
        public FiksTransportException(string message) : base(FiksErrorKind.Transport, message, null)
        {
        }

        /// <summary>Creates the exception with the HTTP status of an unusable answer (null, or 0, for none).</summary>
        public FiksTransportException(string message, int? httpStatus) : base(FiksErrorKind.Transport, message, null)
        {
            SetHttpStatus(httpStatus);
        }

        /// <summary>Creates the exception with its cause.</summary>
        public FiksTransportException(string message, Exception innerException) : base(FiksErrorKind.Transport, message, innerException)
        {
        }
    }
}
