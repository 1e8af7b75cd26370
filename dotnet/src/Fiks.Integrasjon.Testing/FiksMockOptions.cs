using System;
using System.Collections.Generic;

namespace Fiks.Integrasjon.Testing
{
    /// <summary>
    /// How <see cref="FiksMock.Start(FiksMockOptions)"/> starts <c>fiks-integrasjon-mock</c>. Every
    /// property is optional.
    /// </summary>
    /// <example>
    /// <code>
    /// var options = new FiksMockOptions { StartTimeout = TimeSpan.FromSeconds(60) };
    /// options.Arguments.Add("--token-lifetime");
    /// options.Arguments.Add("5");
    /// using (var mock = FiksMock.Start(options)) { ... }
    /// </code>
    /// </example>
    public sealed class FiksMockOptions
    {
        private TimeSpan _startTimeout = TimeSpan.FromSeconds(30);
        private TimeSpan _stopTimeout = TimeSpan.FromSeconds(5);

        /// <summary>
        /// The mock program to run. When <c>null</c>, <see cref="FiksMock"/> takes the environment
        /// variable <c>FIKS_MOCK_BIN</c>, then the copy the Fiks.Integrasjon.Testing package carries
        /// (next to this assembly, under <c>runtimes/&lt;rid&gt;/native/</c> of its folder, or the
        /// package's own <c>runtimes/&lt;rid&gt;/native/</c>). A path given here or in the variable
        /// must exist: there is no fallback from it.
        /// </summary>
        public string MockPath { get; set; }

        /// <summary>
        /// Extra command-line options for the mock, such as <c>--tls</c>, <c>--token-lifetime 5</c>,
        /// <c>--fault token:503</c> or <c>--verbose</c> (see <c>fiks-integrasjon-mock --help</c>).
        /// <c>--dir</c> and <c>--exit-on-stdin-close</c> are set by <see cref="FiksMock"/> itself.
        /// </summary>
        public IList<string> Arguments { get; } = new List<string>();

        /// <summary>
        /// Where the mock writes its test PKI and <c>fiks.toml</c>. When <c>null</c> (the default),
        /// a new temporary directory, removed by <see cref="FiksMock.Dispose"/>; a directory given
        /// here is kept.
        /// </summary>
        public string Directory { get; set; }

        /// <summary>How long to wait for the mock's JSON line (default 30 seconds).</summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
        public TimeSpan StartTimeout
        {
            get { return _startTimeout; }
            set { _startTimeout = Positive(value, "StartTimeout"); }
        }

        /// <summary>
        /// How long <see cref="FiksMock.Dispose"/> waits for the mock to exit after closing its
        /// standard input before it kills it (default 5 seconds).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
        public TimeSpan StopTimeout
        {
            get { return _stopTimeout; }
            set { _stopTimeout = Positive(value, "StopTimeout"); }
        }

        private static TimeSpan Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(name, value, name + " must be positive and at most 24 days");
            }
            return value;
        }
    }
}
