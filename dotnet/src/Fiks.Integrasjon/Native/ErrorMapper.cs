using System;
using System.Collections.Generic;

namespace Fiks.Integrasjon.Native
{
    /// <summary>Everything a <c>fiks_error*</c> says, copied into managed memory.</summary>
    internal sealed class NativeErrorInfo
    {
        /// <summary>The response headers an error keeps (core <c>ResponseHeaders::NAMES</c>; the C ABI
        /// looks them up by name and has no list of them), in the spelling <see cref="FiksException.ResponseHeaders"/> uses.</summary>
        internal static readonly string[] KeptHeaders = { "Retry-After", "Location", "WWW-Authenticate" };

        private static readonly byte[][] KeptHeaderNames = Array.ConvertAll(KeptHeaders, n => Utf8.ToNative(n, "name"));

        internal FiksErrorKind Kind;
        internal string KindName;
        internal string Message;
        internal string Hint;
        internal string Problem;
        internal string ConfigKey;
        internal bool IsTransient;
        internal TimeSpan? RetryAfter;
        internal HeaderDictionary Headers = HeaderDictionary.Empty;
        /// <summary>The status of the answer that failed, or null: the C ABI's 0 means there was none.</summary>
        internal int? HttpStatus;
        internal string ErrorId;
        internal string ErrorCode;
        internal string ErrorJson;
        internal string FiksMessage;
        internal string Path;
        internal string OriginalPath;
        internal string Reason;
        internal DateTimeOffset? Timestamp;
        internal string OAuthError;
        internal string OAuthDescription;
        internal string MaskinportenCode;
        internal byte[] Body;
        internal bool BodyTruncated;

        /// <summary>Copies every field out of <paramref name="error"/>; does not free it.</summary>
        internal static NativeErrorInfo Read(FiksStatus status, ErrorHandle error)
        {
            var info = new NativeErrorInfo();
            info.Kind = KindOf(status);
            info.KindName = Utf8.FromNative(NativeMethods.fiks_status_name(status));
            if (error == null || error.IsInvalid)
            {
                info.Message = "libfiks_integrasjon reported " + status + " without an error description.";
                return info;
            }
            info.Message = Utf8.FromNative(NativeMethods.fiks_error_message(error));
            if (string.IsNullOrEmpty(info.Message))
            {
                info.Message = "libfiks_integrasjon reported " + status + ".";
            }
            info.Hint = Utf8.FromNative(NativeMethods.fiks_error_hint(error));
            info.Problem = Utf8.FromNative(NativeMethods.fiks_error_problem(error));
            info.ConfigKey = Utf8.FromNative(NativeMethods.fiks_error_config_key(error));
            info.IsTransient = NativeMethods.fiks_error_is_transient(error);
            ulong retryMs;
            if (NativeMethods.fiks_error_retry_after_ms(error, out retryMs))
            {
                info.RetryAfter = retryMs >= (ulong)TimeSpan.MaxValue.TotalMilliseconds
                    ? TimeSpan.MaxValue
                    : TimeSpan.FromTicks((long)retryMs * TimeSpan.TicksPerMillisecond);
            }
            info.Headers = ReadHeaders(error);
            ushort httpStatus = NativeMethods.fiks_error_http_status(error);
            info.HttpStatus = httpStatus == 0 ? (int?)null : httpStatus;
            info.ErrorId = Utf8.FromNative(NativeMethods.fiks_error_id(error));
            info.ErrorCode = Utf8.FromNative(NativeMethods.fiks_error_code(error));
            info.ErrorJson = Utf8.FromNative(NativeMethods.fiks_error_json(error));
            info.FiksMessage = Utf8.FromNative(NativeMethods.fiks_error_fiks_message(error));
            info.Path = Utf8.FromNative(NativeMethods.fiks_error_path(error));
            info.OriginalPath = Utf8.FromNative(NativeMethods.fiks_error_original_path(error));
            info.Reason = Utf8.FromNative(NativeMethods.fiks_error_error(error));
            long ms;
            if (NativeMethods.fiks_error_timestamp(error, out ms))
            {
                try
                {
                    info.Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                }
                catch (ArgumentOutOfRangeException)
                {
                    info.Timestamp = null;
                }
            }
            info.OAuthError = Utf8.FromNative(NativeMethods.fiks_error_oauth_error(error));
            info.OAuthDescription = Utf8.FromNative(NativeMethods.fiks_error_oauth_description(error));
            info.MaskinportenCode = Utf8.FromNative(NativeMethods.fiks_error_mp_code(error));
            UIntPtr len;
            IntPtr body = NativeMethods.fiks_error_body(error, out len);
            info.Body = body == IntPtr.Zero ? null : Utf8.CopyBytes(body, len);
            info.BodyTruncated = NativeMethods.fiks_error_body_truncated(error);
            return info;
        }

        private static HeaderDictionary ReadHeaders(ErrorHandle error)
        {
            List<string> names = null;
            List<string> values = null;
            for (int i = 0; i < KeptHeaders.Length; i++)
            {
                string value = Utf8.FromNative(NativeMethods.fiks_error_header(error, KeptHeaderNames[i]));
                if (value != null)
                {
                    if (names == null)
                    {
                        names = new List<string>();
                        values = new List<string>();
                    }
                    names.Add(KeptHeaders[i]);
                    values.Add(value);
                }
            }
            return names == null ? HeaderDictionary.Empty : new HeaderDictionary(names.ToArray(), values.ToArray());
        }

        internal static FiksErrorKind KindOf(FiksStatus status)
        {
            switch (status)
            {
                case FiksStatus.InvalidArgument: return FiksErrorKind.InvalidArgument;
                case FiksStatus.Config: return FiksErrorKind.Configuration;
                case FiksStatus.Certificate: return FiksErrorKind.Certificate;
                case FiksStatus.Token: return FiksErrorKind.Token;
                case FiksStatus.Api: return FiksErrorKind.Api;
                case FiksStatus.Transport: return FiksErrorKind.Transport;
                case FiksStatus.Usage: return FiksErrorKind.Usage;
                case FiksStatus.Cancelled: return FiksErrorKind.Cancelled;
                default: return FiksErrorKind.Internal;
            }
        }
    }

    /// <summary>
    /// The one place that turns a native status into an exception (as libgit2sharp's Ensure does):
    /// the error is read, then freed in <c>finally</c>, then mapped by kind to the exception type.
    /// </summary>
    internal static class ErrorMapper
    {
        /// <summary>Returns when <paramref name="status"/> is OK; otherwise throws the matching
        /// <see cref="FiksException"/>. Takes ownership of <paramref name="error"/> (an <c>error_out</c>
        /// pointer, NULL on success) and frees it either way.</summary>
        internal static void Check(FiksStatus status, IntPtr error)
        {
            ErrorHandle handle = ErrorHandle.Adopt(error);
            if (status == FiksStatus.Ok)
            {
                if (handle != null)
                {
                    handle.Dispose();
                }
                return;
            }
            throw ToException(status, handle);
        }

        /// <summary>Reads and frees <paramref name="error"/> and builds its exception.</summary>
        internal static FiksException ToException(FiksStatus status, ErrorHandle error)
        {
            NativeErrorInfo info;
            try
            {
                info = NativeErrorInfo.Read(status, error);
            }
            finally
            {
                if (error != null)
                {
                    error.Dispose();
                }
            }
            return Create(info);
        }

        /// <summary>The mapping from kind to exception type.</summary>
        internal static FiksException Create(NativeErrorInfo info)
        {
            FiksException e;
            switch (info.Kind)
            {
                case FiksErrorKind.Configuration:
                    e = new FiksConfigurationException(info.Message);
                    break;
                case FiksErrorKind.Certificate:
                    e = new FiksCertificateException(info.Message);
                    break;
                case FiksErrorKind.Token:
                    e = new FiksTokenException(info.Message, info.HttpStatus, info.OAuthError, info.OAuthDescription, info.MaskinportenCode);
                    break;
                case FiksErrorKind.Api:
                    e = new FiksApiException(info.Message, new FiksError(info));
                    break;
                case FiksErrorKind.Transport:
                    e = new FiksTransportException(info.Message);
                    break;
                default:
                    e = new FiksException(info.Kind, info.Message);
                    break;
            }
            e.SetModel(info);
            return e;
        }
    }
}
