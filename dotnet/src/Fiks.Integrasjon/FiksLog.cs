using System;

namespace Fiks.Integrasjon
{
    /// <summary>
    /// How much the native library logs (<see cref="FiksClient.SetLogHandler"/>); lower is more severe. The values
    /// are those of the C <c>fiks_log_level</c>.
    /// </summary>
    public enum FiksLogLevel
    {
        /// <summary>Nothing (the default).</summary>
        Off = 0,
        /// <summary>Failures the library could not handle.</summary>
        Error = 1,
        /// <summary>Something to fix or know: an ignored setting, a refused integrasjon, a failed background renewal,
        /// a certificate that expires soon.</summary>
        Warn = 2,
        /// <summary>Each Maskinporten token fetch (lifetime, what was asked for), each retry (why, delay, attempt) and
        /// each final failure.</summary>
        Info = 3,
        /// <summary>Each exchange and decision.</summary>
        Debug = 4,
        /// <summary>Everything.</summary>
        Trace = 5,
    }

    /// <summary>
    /// One log event of the native library, handed to the handler of <see cref="FiksClient.SetLogHandler"/>.
    /// Never carries a secret (a password, key, access token, integrasjon passord or person token) or a URL's query.
    /// </summary>
    public sealed class FiksLogRecord
    {
        /// <summary>Creates a record (the library does; tests of a handler may too).</summary>
        public FiksLogRecord(FiksLogLevel level, string target, string message)
        {
            Level = level;
            Target = target ?? string.Empty;
            Message = message ?? string.Empty;
        }

        /// <summary>How severe.</summary>
        public FiksLogLevel Level { get; private set; }

        /// <summary>The module of the library that emitted it, e.g. <c>fiks_integrasjon::token</c> or
        /// <c>fiks_integrasjon::fiks_call</c>: use it as the logger's category.</summary>
        public string Target { get; private set; }

        /// <summary>The event's message followed by its fields as <c> name=value</c> pairs, e.g.
        /// <c>retrying the Fiks request method=GET path=/x attempt=1 delay_ms=180 error=…</c>.</summary>
        public string Message { get; private set; }

        /// <summary><c>LEVEL target: message</c>.</summary>
        public override string ToString()
        {
            return Level.ToString().ToUpperInvariant() + " " + Target + ": " + Message;
        }
    }
}
