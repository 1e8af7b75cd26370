using System;

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
        /// <summary>Maskinporten refused the grant: <see cref="FiksTokenException"/>.</summary>
        Token = 4,
        /// <summary>The Fiks API answered with a non-2xx status: <see cref="FiksApiException"/>.</summary>
        Api = 5,
        /// <summary>Connecting, TLS, a timeout or an unreadable answer: <see cref="FiksTransportException"/>.</summary>
        Transport = 6,
        /// <summary>A bug in the library (a caught panic).</summary>
        Internal = 7,
        /// <summary>Misuse the library refuses instead of hanging, e.g. a client used in a forked child process.</summary>
        Usage = 8,
    }

    /// <summary>
    /// Base of every error from Fiks.Integrasjon; <see cref="Kind"/> tells which.
    /// Messages say what was wrong and what to do, and never contain passwords, keys or tokens.
    /// </summary>
    /// <example>
    /// <code>
    /// try { client.Send("GET", "/status/404"); }
    /// catch (FiksApiException e) { log.Error("Fiks said {0}; errorId {1}", e.HttpStatus, e.ErrorId); }
    /// catch (FiksException e) { log.Error("{0}: {1}", e.Kind, e.Message); }
    /// </code>
    /// </example>
    public class FiksException : Exception
    {
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
    }

    /// <summary>A configuration key is unknown, missing, malformed or combined wrongly. The message names the key.</summary>
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

    /// <summary>The certificate or key cannot be read, is expired, does not match its key, or the password is wrong.
    /// Raised before any network call.</summary>
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

    /// <summary>Maskinporten refused the token request; the fields are those of its OAuth error answer.</summary>
    public class FiksTokenException : FiksException
    {
        /// <summary>Creates the exception.</summary>
        public FiksTokenException(string message) : base(FiksErrorKind.Token, message, null)
        {
        }

        /// <summary>Creates the exception with the fields of Maskinporten's answer.</summary>
        public FiksTokenException(string message, int httpStatus, string oauthError, string description, string maskinportenCode)
            : base(FiksErrorKind.Token, message, null)
        {
            HttpStatus = httpStatus;
            OAuthError = oauthError;
            Description = description;
            MaskinportenCode = maskinportenCode;
        }

        /// <summary>The HTTP status of Maskinporten's answer (usually 400), or 0.</summary>
        public int HttpStatus { get; private set; }

        /// <summary>The OAuth <c>error</c>: <c>invalid_grant</c>, <c>invalid_scope</c>, <c>invalid_client</c>, …</summary>
        public string OAuthError { get; private set; }

        /// <summary>The OAuth <c>error_description</c>, usually starting with a Maskinporten code such as <c>MP-110</c>.</summary>
        public string Description { get; private set; }

        /// <summary>The Maskinporten code (<c>MP-110</c>, …) taken from <see cref="Description"/>, or null.</summary>
        public string MaskinportenCode { get; private set; }
    }

    /// <summary>
    /// The Fiks API answered with a non-2xx status. The fields come from the Fiks error body
    /// (<c>errorId</c>, <c>errorCode</c>, <c>errorJson</c>, …); each is null when the body lacks it,
    /// and <see cref="Body"/> always holds the answer as received.
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
        }

        /// <summary>The HTTP status of the answer.</summary>
        public int HttpStatus { get { return _error == null ? 0 : _error.Status.GetValueOrDefault(); } }

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

        /// <summary>The parsed error body, or null.</summary>
        public FiksError Error { get { return _error; } }
    }

    /// <summary>Connecting, TLS, a timeout, or an answer that could not be read.</summary>
    public class FiksTransportException : FiksException
    {
        /// <summary>Creates the exception.</summary>
        public FiksTransportException(string message) : base(FiksErrorKind.Transport, message, null)
        {
        }

        /// <summary>Creates the exception with the HTTP status of an unusable answer.</summary>
        public FiksTransportException(string message, int? httpStatus) : base(FiksErrorKind.Transport, message, null)
        {
            HttpStatus = httpStatus;
        }

        /// <summary>Creates the exception with its cause.</summary>
        public FiksTransportException(string message, Exception innerException) : base(FiksErrorKind.Transport, message, innerException)
        {
        }

        /// <summary>The HTTP status when the failure was an unusable answer (garbage, an HTML error page), else null.</summary>
        public int? HttpStatus { get; private set; }
    }
}
