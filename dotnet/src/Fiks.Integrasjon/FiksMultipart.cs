using System;
using System.Collections.Generic;
using Fiks.Integrasjon.Native;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// A <c>multipart/form-data</c> body (a SvarUt forsendelse with its documents), for
    /// <see cref="FiksClient.Send(string, string, FiksMultipart, string, TimeSpan?)"/> and
    /// <see cref="FiksClient.SendAsync(string, string, FiksMultipart, string, TimeSpan?, System.Threading.CancellationToken)"/>.
    /// The parts are handed to the native library when sent, which checks them (names, file names, types, 1 to
    /// 1000 parts: else <see cref="FiksErrorKind.InvalidArgument"/>); file parts stream from disk.
    /// </summary>
    /// <example><code>
    /// var body = new FiksMultipart()
    ///     .AddJson("forsendelse", "{\"tittel\": \"Vedtak\"}")
    ///     .AddFile("dokument", "/data/vedtak.pdf", contentType: "application/pdf");
    /// client.Send("POST", "/tjenester/api/forsendelse/v1/sendForsendelse", body, service: "svarut");
    /// </code></example>
    public sealed class FiksMultipart
    {
        private enum Kind { Bytes, Text, Json, File }

        private sealed class Entry
        {
            internal Kind Kind;
            internal string Name;
            internal string Text;
            internal byte[] Data;
            internal string FileName;
            internal string ContentType;
        }

        private readonly List<Entry> _parts = new List<Entry>();

        /// <summary>The number of parts added.</summary>
        public int Count { get { return _parts.Count; } }

        /// <summary>A part holding <paramref name="json"/> (JSON text) as <c>application/json</c>.</summary>
        public FiksMultipart AddJson(string name, string json)
        {
            return Add(new Entry { Kind = Kind.Json, Name = Need(name, "name"), Text = Need(json, "json") });
        }

        /// <summary>A text field (<c>text/plain; charset=utf-8</c>).</summary>
        public FiksMultipart AddText(string name, string text)
        {
            return Add(new Entry { Kind = Kind.Text, Name = Need(name, "name"), Text = Need(text, "text") });
        }

        /// <summary>A part holding these bytes (copied now), with an optional file name and content type.</summary>
        public FiksMultipart AddBytes(string name, byte[] data, string fileName = null, string contentType = null)
        {
            if (data == null) throw new ArgumentNullException("data");
            return Add(new Entry { Kind = Kind.Bytes, Name = Need(name, "name"), Data = (byte[])data.Clone(), FileName = fileName, ContentType = contentType });
        }

        /// <summary>A part read from the file at <paramref name="path"/> while sending (streamed); the file name is the
        /// path's last component unless given, the type <c>application/octet-stream</c> unless given.</summary>
        public FiksMultipart AddFile(string name, string path, string fileName = null, string contentType = null)
        {
            return Add(new Entry { Kind = Kind.File, Name = Need(name, "name"), Text = Need(path, "path"), FileName = fileName, ContentType = contentType });
        }

        private FiksMultipart Add(Entry e)
        {
            _parts.Add(e);
            return this;
        }

        private static string Need(string value, string paramName)
        {
            if (value == null) throw new ArgumentNullException(paramName);
            return value;
        }

        /// <summary>Builds the native parts, attaches them to <paramref name="request"/> and frees them.</summary>
        internal void Attach(IntPtr request)
        {
            IntPtr parts = NativeMethods.fiks_parts_new();
            if (parts == IntPtr.Zero) throw new OutOfMemoryException("fiks_parts_new");
            try
            {
                IntPtr error;
                foreach (Entry e in _parts)
                {
                    byte[] name = Utf8.ToNative(e.Name, "name");
                    FiksStatus status;
                    switch (e.Kind)
                    {
                        case Kind.Json:
                            status = NativeMethods.fiks_parts_add_json(parts, name, Utf8.ToNative(e.Text, "json"), out error);
                            break;
                        case Kind.Text:
                            status = NativeMethods.fiks_parts_add_text(parts, name, Utf8.ToNative(e.Text, "text"), out error);
                            break;
                        case Kind.File:
                            status = NativeMethods.fiks_parts_add_file(parts, name, Utf8.ToNative(e.Text, "path"),
                                Utf8.ToNativeOrNull(e.FileName, "fileName"), Utf8.ToNativeOrNull(e.ContentType, "contentType"), out error);
                            break;
                        default:
                            status = NativeMethods.fiks_parts_add_bytes(parts, name, e.Data, new UIntPtr((uint)e.Data.Length),
                                Utf8.ToNativeOrNull(e.FileName, "fileName"), Utf8.ToNativeOrNull(e.ContentType, "contentType"), out error);
                            break;
                    }
                    ErrorMapper.Check(status, error);
                }
                ErrorMapper.Check(NativeMethods.fiks_request_set_multipart(request, parts, out error), error);
            }
            finally
            {
                NativeMethods.fiks_parts_free(parts);
            }
        }
    }

    /// <summary>
    /// The login of the Fiks IO AMQP broker (<see cref="FiksClient.GetFiksIoCredentials"/>): log in again before
    /// <see cref="RenewAt"/>. <see cref="Password"/> is a secret (never log it); <see cref="ToString"/> hides it.
    /// </summary>
    public sealed class FiksIoCredentials
    {
        internal FiksIoCredentials(string username, string password, DateTimeOffset expiresAt, DateTimeOffset renewAt)
        {
            Username = username;
            Password = password;
            ExpiresAt = expiresAt;
            RenewAt = renewAt;
        }

        /// <summary>The AMQP username: the integrasjon id.</summary>
        public string Username { get; private set; }

        /// <summary>The AMQP password: <c>IntegrasjonPassord</c>, a space, and the Maskinporten token.</summary>
        public string Password { get; private set; }

        /// <summary>When the token inside the password expires (UTC).</summary>
        public DateTimeOffset ExpiresAt { get; private set; }

        /// <summary>When to log in again with fresh credentials (UTC).</summary>
        public DateTimeOffset RenewAt { get; private set; }

        /// <summary>The username and times; never the password.</summary>
        public override string ToString()
        {
            return "FiksIoCredentials(" + Username + ", expires " + ExpiresAt.ToString("o") + ", renew " + RenewAt.ToString("o") + ")";
        }
    }
}
