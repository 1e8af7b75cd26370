using System;
using System.Text;
using Fiks.Integrasjon.Testing;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>FiksError.TryParse for bodies obtained elsewhere.</summary>
    public class FiksErrorTests
    {
        private const string Body = "{\"timestamp\":1700000000123,\"status\":403,\"error\":\"Forbidden\","
            + "\"errorId\":\"5b0e6f3c-8c53-4c1e-9c0a-2f6f3c1f7a11\",\"path\":\"/api/v1/x\",\"originalPath\":\"/svarinn/api/v1/x\","
            + "\"message\":\"Ingen tilgang\",\"errorCode\":\"INGEN_TILGANG\",\"errorJson\":{\"orgnr\":\"123456789\"},\"ukjent\":true}";

        [Test(Offline = true)]
        public void ParsesEveryField()
        {
            FiksError e;
            Assert.True(FiksError.TryParse(Body, out e), "TryParse");
            Assert.Equal(403, e.Status.GetValueOrDefault(), "Status");
            Assert.Equal("Forbidden", e.Error, "Error");
            Assert.Equal("5b0e6f3c-8c53-4c1e-9c0a-2f6f3c1f7a11", e.ErrorId, "ErrorId");
            Assert.Equal("/api/v1/x", e.Path, "Path");
            Assert.Equal("/svarinn/api/v1/x", e.OriginalPath, "OriginalPath");
            Assert.Equal("Ingen tilgang", e.Message, "Message");
            Assert.Equal("INGEN_TILGANG", e.ErrorCode, "ErrorCode");
            Assert.Equal("123456789", MiniJson.Find(MiniJson.Parse(e.ErrorJson), "orgnr") as string, "ErrorJson");
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000123), e.Timestamp.Value, "Timestamp");
            Assert.Equal(Body, e.BodyText, "BodyText");
            Assert.Contains("5b0e6f3c-8c53-4c1e-9c0a-2f6f3c1f7a11", e.ToString(), "ToString");

            FiksError fromBytes;
            Assert.True(FiksError.TryParse(Encoding.UTF8.GetBytes(Body), out fromBytes), "TryParse(bytes)");
            Assert.Equal(e.ErrorId, fromBytes.ErrorId, "ErrorId from bytes");

            FiksApiException ex = e.ToException();
            Assert.Equal(403, ex.HttpStatus, "exception HttpStatus");
            Assert.Equal("INGEN_TILGANG", ex.ErrorCode, "exception ErrorCode");
            Assert.Equal("Forbidden", ex.Reason, "exception Reason");
        }

        [Test(Offline = true)]
        public void NativeTextKeepsEveryCharacter()
        {
            // Native strings come back through Utf8.FromNative: ASCII widened in place (on the
            // stack up to 4096 characters, on the heap beyond), everything else UTF-8 decoded.
            string norwegian = "Søknaden «Åsgårdstrand» mangler vedlegg – prøv igjen 😀";
            string longAscii = new string('a', 4095) + "Z";
            string longerAscii = new string('b', 10000) + "Y";
            string longUnicode = new string('c', 5000) + "æ";
            string body = "{\"status\":422,\"errorId\":\"id-1\",\"message\":\"" + norwegian + "\",\"errorCode\":\"" + longAscii
                + "\",\"path\":\"" + longerAscii + "\",\"originalPath\":\"" + longUnicode + "\",\"error\":\"\"}";
            FiksError e;
            Assert.True(FiksError.TryParse(body, out e), "TryParse");
            Assert.Equal(norwegian, e.Message, "non-ASCII, with a surrogate pair");
            Assert.Equal(longAscii, e.ErrorCode, "ASCII at the stack limit");
            Assert.Equal(longerAscii, e.Path, "ASCII beyond the stack limit");
            Assert.Equal(longUnicode, e.OriginalPath, "long non-ASCII");
            Assert.Equal("", e.Error, "empty string");
        }

        [Test(Offline = true)]
        public void AcceptsErrorJsonAsAStringAndAnIsoTimestamp()
        {
            FiksError e;
            string body = "{\"status\":400,\"errorId\":\"x-1\",\"errorJson\":\"{\\\"felt\\\":\\\"navn\\\"}\",\"timestamp\":\"2024-05-01T10:00:00Z\"}";
            Assert.True(FiksError.TryParse(body, out e), "TryParse");
            Assert.Equal("navn", MiniJson.Find(MiniJson.Parse(e.ErrorJson), "felt") as string, "ErrorJson");
            Assert.Equal("x-1", e.ErrorId, "ErrorId");
        }

        [Test(Offline = true)]
        public void RejectsWhatIsNotAFiksError()
        {
            FiksError e;
            Assert.False(FiksError.TryParse("<html>502 Bad Gateway</html>", out e), "html");
            Assert.Null(e, "error after a failed TryParse");
            Assert.False(FiksError.TryParse("[1,2]", out e), "array");
            Assert.False(FiksError.TryParse("", out e), "empty");
            Assert.False(FiksError.TryParse((string)null, out e), "null");
            Assert.False(FiksError.TryParse(new byte[] { 0xff, 0xfe, 0x00 }, out e), "bytes");
            FormatException f = Assert.Throws<FormatException>(() => FiksError.Parse("not json"));
            Assert.True(f.Message.Length > 0, "FormatException message");
        }

        [Test(Offline = true)]
        public void TheGivenStatusDecides()
        {
            // issue 13: parse_error(b'{"message":"hei"}') was an "HTTP 0" error, and a 200 body raised.
            const string hei = "{\"message\":\"hei\"}";
            FiksError e;
            Assert.False(FiksError.TryParse(hei, out e), "no status given or in the body");
            Assert.True(FiksError.TryParse(hei, 400, out e), "with 400");
            Assert.Equal(400, e.Status.GetValueOrDefault(), "Status is the one given");
            Assert.Equal("hei", e.Message, "Message");
            Assert.True(FiksError.TryParse(Encoding.UTF8.GetBytes(hei), 599, out e), "bytes with 599");

            Assert.False(FiksError.TryParse(Body, 200, out e), "a 2xx answer is never an error, whatever the body says");
            Assert.Null(e, "error after a failed TryParse");
            Assert.False(FiksError.TryParse(Body, 204, out e), "204");
            Assert.False(FiksError.TryParse(Body, 302, out e), "3xx");
            Assert.False(FiksError.TryParse("{\"status\":200,\"message\":\"ok\"}", out e), "a body saying 200");
            Assert.False(FiksError.TryParse("{\"ukjent\":true}", 500, out e), "not the Fiks shape");
            Assert.False(FiksError.TryParse("<html>502</html>", 502, out e), "an HTML page");
            Assert.True(FiksError.TryParse(Body, 0, out e), "0 takes the body's status");
            Assert.Equal(403, e.Status.GetValueOrDefault(), "the body's status");
            Assert.True(FiksError.TryParse(Body, 404, out e), "the given status over the body's");
            Assert.Equal(404, e.Status.GetValueOrDefault(), "the given status");

            FormatException f = Assert.Throws<FormatException>(() => FiksError.Parse(Body, 201));
            Assert.Contains("400", f.Message, "the reason names the statuses that count");
            Assert.Equal("hei", FiksError.Parse(hei, 422).Message, "Parse with a status");
            Assert.Throws<ArgumentOutOfRangeException>(() => FiksError.TryParse(Body, -1, out e), "negative");
            Assert.Throws<ArgumentOutOfRangeException>(() => FiksError.Parse(Body, 70000), "above 65535");
            Assert.Throws<ArgumentNullException>(() => FiksError.Parse(null, 404), "null");
            Assert.False(FiksError.TryParse((byte[])null, 404, out e), "null bytes");
        }
    }
}
