using System.Runtime.CompilerServices;

// The repository's C# tests read JSON with MiniJson (one copy of the parser, here).
[assembly: InternalsVisibleTo("Fiks.Integrasjon.Tests")]
