using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>One request a <see cref="SecondOrigin"/> received: its request line and headers.</summary>
    internal sealed class SeenRequest
    {
        internal string Method;
        internal string Path;
        internal readonly List<KeyValuePair<string, string>> Headers = new List<KeyValuePair<string, string>>();

        /// <summary>The values of header <paramref name="name"/> (any case) joined by ", ", or null when absent.</summary>
        internal string Header(string name)
        {
            string[] values = Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToArray();
            return values.Length == 0 ? null : string.Join(", ", values);
        }
    }

    /// <summary>
    /// A tiny HTTP/1.1 server on another port of 127.0.0.1: another origin than the mock's, which records what it
    /// receives (to prove that the Fiks headers never reach it) and answers 200, or a redirect.
    /// </summary>
    internal sealed class SecondOrigin : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly Task _loop;
        private readonly List<SeenRequest> _requests = new List<SeenRequest>();
        private readonly string _redirectTo;

        /// <summary>Starts listening; with <paramref name="redirectTo"/>, every answer is a 302 to that URL.</summary>
        internal SecondOrigin(string redirectTo = null)
        {
            _redirectTo = redirectTo;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _loop = Task.Run(() => AcceptLoop());
        }

        /// <summary>e.g. <c>http://127.0.0.1:40123</c> (no trailing slash).</summary>
        internal string BaseUrl
        {
            get { return "http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture); }
        }

        /// <summary>A copy of the requests received so far.</summary>
        internal List<SeenRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return _requests.ToList();
                }
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task AcceptLoop()
        {
            while (true)
            {
                TcpClient connection;
                try
                {
                    connection = await _listener.AcceptTcpClientAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    return; // stopped
                }
                ThreadPool.QueueUserWorkItem(state => Serve((TcpClient)state), connection);
            }
        }

        private void Serve(TcpClient connection)
        {
            using (connection)
            {
                try
                {
                    connection.ReceiveTimeout = 10000;
                    NetworkStream stream = connection.GetStream();
                    SeenRequest seen = ReadHead(stream);
                    if (seen == null)
                    {
                        return;
                    }
                    if (string.Equals(seen.Header("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase))
                    {
                        Write(stream, "HTTP/1.1 100 Continue\r\n\r\n");
                    }
                    int length;
                    if (int.TryParse(seen.Header("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out length))
                    {
                        var body = new byte[length];
                        int read = 0;
                        while (read < length)
                        {
                            int n = stream.Read(body, read, length - read);
                            if (n <= 0)
                            {
                                break;
                            }
                            read += n;
                        }
                    }
                    lock (_requests)
                    {
                        _requests.Add(seen);
                    }
                    string answer = _redirectTo != null
                        ? "HTTP/1.1 302 Found\r\nLocation: " + _redirectTo + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        : "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                    Write(stream, answer);
                }
                catch (IOException)
                {
                }
                catch (SocketException)
                {
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        private static void Write(Stream stream, string text)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush();
        }

        /// <summary>Reads the request line and headers (up to the empty line), byte by byte so the body stays unread.</summary>
        private static SeenRequest ReadHead(Stream stream)
        {
            var head = new List<byte>();
            while (true)
            {
                int b = stream.ReadByte();
                if (b < 0)
                {
                    return null;
                }
                head.Add((byte)b);
                int n = head.Count;
                if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
                {
                    break;
                }
                if (n > 64 * 1024)
                {
                    return null;
                }
            }
            string[] lines = Encoding.ASCII.GetString(head.ToArray()).Split(new[] { "\r\n" }, StringSplitOptions.None);
            string[] requestLine = lines[0].Split(' ');
            var seen = new SeenRequest { Method = requestLine[0], Path = requestLine.Length > 1 ? requestLine[1] : "" };
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':');
                if (colon > 0)
                {
                    seen.Headers.Add(new KeyValuePair<string, string>(line.Substring(0, colon).Trim(), line.Substring(colon + 1).Trim()));
                }
            }
            return seen;
        }
    }
}
