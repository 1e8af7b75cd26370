using System;

namespace Fiks.Integrasjon.Native
{
    /// <summary>Everything a <c>fiks_error*</c> says, copied into managed memory.</summary>
    internal sealed class NativeErrorInfo
    {
        internal FiksErrorKind Kind;
        internal string Message;
        internal int HttpStatus;
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

        /// <summary>Copies every field out of <paramref name="error"/>; does not free it.</summary>
        internal static NativeErrorInfo Read(FiksStatus status, ErrorHandle error)
        {
            var info = new NativeErrorInfo();
            info.Kind = KindOf(status);
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
            info.HttpStatus = NativeMethods.fiks_error_http_status(error);
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
            return info;
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
            switch (info.Kind)
            {
                case FiksErrorKind.Configuration:
                    return new FiksConfigurationException(info.Message);
                case FiksErrorKind.Certificate:
                    return new FiksCertificateException(info.Message);
                case FiksErrorKind.Token:
                    return new FiksTokenException(info.Message, info.HttpStatus, info.OAuthError, info.OAuthDescription, info.MaskinportenCode);
                case FiksErrorKind.Api:
                    return new FiksApiException(info.Message, new FiksError(info));
                case FiksErrorKind.Transport:
                    return new FiksTransportException(info.Message, info.HttpStatus == 0 ? (int?)null : info.HttpStatus);
                default:
                    return new FiksException(info.Kind, info.Message);
            }
        }
    }
}
