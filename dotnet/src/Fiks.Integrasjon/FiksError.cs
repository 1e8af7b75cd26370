using System;
using System.Text;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// A Fiks API error body (<c>timestamp</c>, <c>status</c>, <c>error</c>, <c>errorId</c>, <c>path</c>,
    /// <c>originalPath</c>, <c>message</c>, <c>errorCode</c>, <c>errorJson</c>), parsed by the native
    /// library. Every field is optional. Use <see cref="TryParse(string, int, out FiksError)"/> for bodies
    /// obtained elsewhere (your own <c>HttpClient</c> call), with the answer's HTTP status;
    /// <see cref="FiksApiException"/> carries one too.
    /// </summary>
    /// <remarks>
    /// Only a real Fiks error is one: an HTTP status of 400–599 (the one given, or else the body's
    /// <c>status</c>) and the Fiks shape (a JSON object with <c>errorId</c>, <c>message</c> or <c>error</c>).
    /// A 2xx answer is never an error, whatever its body says. The native library decides (the same rule
    /// as Python's <c>parse_error</c> and C's <c>fiks_parse_error</c>).
    /// </remarks>
    /// <example>
    /// <code>
    /// var answer = await http.GetAsync("/status/404");
    /// if (FiksError.TryParse(await answer.Content.ReadAsStringAsync(), (int)answer.StatusCode, out FiksError error))
    ///     throw error.ToException();   // a FiksApiException: ErrorId, Hint, IsTransient, …
    /// </code>
    /// </example>
    public sealed class FiksError
    {
        private readonly NativeErrorInfo _info;
        private readonly string _description;
        private readonly byte[] _body;

        internal FiksError(NativeErrorInfo info)
        {
            _info = info;
            _description = info.Message;
            Status = info.HttpStatus;
            Error = info.Reason;
            ErrorId = info.ErrorId;
            ErrorCode = info.ErrorCode;
            ErrorJson = info.ErrorJson;
            Message = info.FiksMessage;
            Path = info.Path;
            OriginalPath = info.OriginalPath;
            Timestamp = info.Timestamp;
            _body = info.Body;
            BodyTruncated = info.BodyTruncated;
        }

        /// <summary>
        /// True when the answer's body was longer than the 1 MiB kept in <see cref="Body"/>: the rest was not
        /// read (the connection was dropped), so the body is its beginning. False for a parsed body.
        /// </summary>
        public bool BodyTruncated { get; private set; }

        /// <summary>The HTTP status (the body's <c>status</c>, or the status of the answer).</summary>
        public int? Status { get; private set; }

        /// <summary>The <c>error</c> field: the reason phrase, e.g. <c>Not Found</c>.</summary>
        public string Error { get; private set; }

        /// <summary>The <c>errorId</c> (a UUID): quote it to KS support.</summary>
        public string ErrorId { get; private set; }

        /// <summary>The <c>errorCode</c>.</summary>
        public string ErrorCode { get; private set; }

        /// <summary>The <c>errorJson</c> as JSON text (accepted as an object or as a string holding JSON).</summary>
        public string ErrorJson { get; private set; }

        /// <summary>The <c>message</c>.</summary>
        public string Message { get; private set; }

        /// <summary>The <c>path</c>.</summary>
        public string Path { get; private set; }

        /// <summary>The <c>originalPath</c>.</summary>
        public string OriginalPath { get; private set; }

        /// <summary>The <c>timestamp</c>.</summary>
        public DateTimeOffset? Timestamp { get; private set; }

        /// <summary>A copy of the body as received, or null.</summary>
        public byte[] Body { get { return _body == null ? null : (byte[])_body.Clone(); } }

        /// <summary>The body decoded as UTF-8, or null.</summary>
        public string BodyText { get { return _body == null ? null : Encoding.UTF8.GetString(_body); } }

        internal byte[] RawBody { get { return _body; } }

        /// <summary>Parses a Fiks error body whose HTTP status is the body's own <c>status</c>; false when
        /// <paramref name="json"/> is not a Fiks error (see <see cref="FiksError"/>). Prefer
        /// <see cref="TryParse(string, int, out FiksError)"/> with the answer's status.</summary>
        public static bool TryParse(string json, out FiksError error)
        {
            return TryParse(json, 0, out error);
        }

        /// <summary>Parses a Fiks error body given as UTF-8 bytes, its status taken from the body; false when it is not one.</summary>
        public static bool TryParse(byte[] body, out FiksError error)
        {
            return TryParse(body, 0, out error);
        }

        /// <summary>
        /// Parses the body of an answer with HTTP status <paramref name="httpStatus"/> (0: take it from the body's
        /// <c>status</c>); false unless it is a Fiks error: a status of 400–599 and the Fiks shape. A 2xx answer is
        /// never one.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="httpStatus"/> is negative or above 65535.</exception>
        public static bool TryParse(string json, int httpStatus, out FiksError error)
        {
            ushort status = CheckStatus(httpStatus);
            if (json == null)
            {
                error = null;
                return false;
            }
            return TryParse(Encoding.UTF8.GetBytes(json), status, out error);
        }

        /// <summary><see cref="TryParse(string, int, out FiksError)"/> for a body given as UTF-8 bytes.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="httpStatus"/> is negative or above 65535.</exception>
        public static bool TryParse(byte[] body, int httpStatus, out FiksError error)
        {
            ushort status = CheckStatus(httpStatus);
            error = null;
            if (body == null)
            {
                return false;
            }
            NativeErrorInfo info;
            if (Parse(body, status, out info) != FiksStatus.Ok || info == null)
            {
                return false;
            }
            error = new FiksError(info);
            return true;
        }

        /// <summary>Parses a Fiks error body whose status is the body's own <c>status</c>; throws
        /// <see cref="FormatException"/> (with the reason) when it is not one.</summary>
        public static FiksError Parse(string json)
        {
            return Parse(json, 0);
        }

        /// <summary>
        /// Parses the body of an answer with HTTP status <paramref name="httpStatus"/> (0: take it from the body);
        /// throws <see cref="FormatException"/>, saying why, when it is not a Fiks error (a 2xx answer never is one).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="httpStatus"/> is negative or above 65535.</exception>
        public static FiksError Parse(string json, int httpStatus)
        {
            if (json == null)
            {
                throw new ArgumentNullException("json");
            }
            ushort status = CheckStatus(httpStatus);
            NativeErrorInfo info;
            if (Parse(Encoding.UTF8.GetBytes(json), status, out info) != FiksStatus.Ok || info == null)
            {
                throw new FormatException(info != null ? info.Message : "The text is not a Fiks error body.");
            }
            return new FiksError(info);
        }

        private static ushort CheckStatus(int httpStatus)
        {
            if (httpStatus < 0 || httpStatus > ushort.MaxValue)
            {
                throw new ArgumentOutOfRangeException("httpStatus", httpStatus, "An HTTP status (e.g. 404), or 0 to take it from the body.");
            }
            return (ushort)httpStatus;
        }

        private static FiksStatus Parse(byte[] body, ushort httpStatus, out NativeErrorInfo info)
        {
            NativeLibraryLoader.EnsureLoaded();
            ErrorHandle handle;
            FiksStatus status = NativeMethods.fiks_parse_error(body, (UIntPtr)(uint)body.Length, httpStatus, out handle);
            try
            {
                // On success the out-param holds the parsed API error; on failure, why it is not one.
                info = handle == null || handle.IsInvalid ? null : NativeErrorInfo.Read(status == FiksStatus.Ok ? FiksStatus.Api : status, handle);
            }
            finally
            {
                if (handle != null)
                {
                    handle.Dispose();
                }
            }
            return status;
        }

        /// <summary>A <see cref="FiksApiException"/> carrying this error, to throw from your own code, with the
        /// whole error model (<see cref="FiksException.Hint"/>, <see cref="FiksException.IsTransient"/>, …) as the
        /// native library gave it.</summary>
        public FiksApiException ToException()
        {
            var e = new FiksApiException(_description, this);
            if (_info != null)
            {
                e.SetModel(_info);
            }
            return e;
        }

        /// <summary>A one-line description: status, message or reason, errorCode and errorId.</summary>
        public override string ToString()
        {
            return _description ?? "Fiks error";
        }
    }
}
