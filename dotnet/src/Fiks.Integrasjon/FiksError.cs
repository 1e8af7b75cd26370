using System;
using System.Text;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// A Fiks API error body (<c>timestamp</c>, <c>status</c>, <c>error</c>, <c>errorId</c>, <c>path</c>,
    /// <c>originalPath</c>, <c>message</c>, <c>errorCode</c>, <c>errorJson</c>), parsed by the native
    /// library. Every field is optional. Use <see cref="TryParse(string, out FiksError)"/> for bodies
    /// obtained elsewhere (your own <c>HttpClient</c> call); <see cref="FiksApiException"/> carries one too.
    /// </summary>
    /// <example>
    /// <code>
    /// var answer = await http.GetAsync("/status/404");
    /// if (!answer.IsSuccessStatusCode &amp;&amp; FiksError.TryParse(await answer.Content.ReadAsStringAsync(), out FiksError error))
    ///     Console.WriteLine("errorId " + error.ErrorId);
    /// </code>
    /// </example>
    public sealed class FiksError
    {
        private readonly string _description;
        private readonly byte[] _body;

        internal FiksError(NativeErrorInfo info)
        {
            _description = info.Message;
            Status = info.HttpStatus == 0 ? (int?)null : info.HttpStatus;
            Error = info.Reason;
            ErrorId = info.ErrorId;
            ErrorCode = info.ErrorCode;
            ErrorJson = info.ErrorJson;
            Message = info.FiksMessage;
            Path = info.Path;
            OriginalPath = info.OriginalPath;
            Timestamp = info.Timestamp;
            _body = info.Body;
        }

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

        /// <summary>Parses a Fiks error body; false when <paramref name="json"/> is not one.</summary>
        public static bool TryParse(string json, out FiksError error)
        {
            if (json == null)
            {
                error = null;
                return false;
            }
            return TryParse(Encoding.UTF8.GetBytes(json), out error);
        }

        /// <summary>Parses a Fiks error body given as UTF-8 bytes; false when it is not one.</summary>
        public static bool TryParse(byte[] body, out FiksError error)
        {
            error = null;
            if (body == null)
            {
                return false;
            }
            NativeErrorInfo info;
            FiksStatus status = Parse(body, out info);
            if (status != FiksStatus.Ok || info == null)
            {
                return false;
            }
            error = new FiksError(info);
            return true;
        }

        /// <summary>Parses a Fiks error body; throws <see cref="FormatException"/> (with the reason) when it is not one.</summary>
        public static FiksError Parse(string json)
        {
            if (json == null)
            {
                throw new ArgumentNullException("json");
            }
            NativeErrorInfo info;
            FiksStatus status = Parse(Encoding.UTF8.GetBytes(json), out info);
            if (status != FiksStatus.Ok)
            {
                throw new FormatException(info != null ? info.Message : "The text is not a Fiks error body.");
            }
            return new FiksError(info);
        }

        private static FiksStatus Parse(byte[] body, out NativeErrorInfo info)
        {
            NativeLibraryLoader.EnsureLoaded();
            ErrorHandle handle;
            FiksStatus status = NativeMethods.fiks_parse_error(body, (UIntPtr)(uint)body.Length, out handle);
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

        /// <summary>A <see cref="FiksApiException"/> carrying this error, to throw from your own code.</summary>
        public FiksApiException ToException()
        {
            return new FiksApiException(_description, this);
        }

        /// <summary>A one-line description: status, message or reason, errorCode and errorId.</summary>
        public override string ToString()
        {
            return _description ?? "Fiks error";
        }
    }
}
