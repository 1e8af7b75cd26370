using System.Runtime.CompilerServices;

// The tests read NativeHandleCounters to check that Dispose and finalizers free native clients.
[assembly: InternalsVisibleTo("Fiks.Integrasjon.Tests")]
