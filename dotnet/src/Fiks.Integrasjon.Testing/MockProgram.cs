using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace Fiks.Integrasjon.Testing
{
    /// <summary>
    /// Finds the <c>fiks-integrasjon-mock</c> program: the explicit path, <c>FIKS_MOCK_BIN</c>,
    /// next to this assembly, <c>runtimes/&lt;rid&gt;/native/</c> under its folder (the .NET SDK's
    /// output layout), <c>../../runtimes/&lt;rid&gt;/native/</c> from it (the package layout,
    /// <c>lib/netstandard2.0/</c> to <c>runtimes/linux-x64/native/</c>), and the same under the
    /// application's base directory.
    /// </summary>
    internal static class MockProgram
    {
        internal const string EnvironmentVariable = "FIKS_MOCK_BIN";
        internal const string Name = "fiks-integrasjon-mock";

        /// <summary>The program's file name on this platform.</summary>
        internal static string FileName
        {
            get { return IsWindows ? Name + ".exe" : Name; }
        }

        internal static bool IsWindows
        {
            get { return RuntimeInformation.IsOSPlatform(OSPlatform.Windows); }
        }

        /// <summary>The runtime identifiers whose <c>runtimes/&lt;rid&gt;/native/</c> may hold the program here.</summary>
        internal static IList<string> RuntimeIdentifiers()
        {
            string arch;
            switch (RuntimeInformation.OSArchitecture)
            {
                case Architecture.Arm64: arch = "arm64"; break;
                case Architecture.X86: arch = "x86"; break;
                case Architecture.Arm: arch = "arm"; break;
                default: arch = "x64"; break;
            }
            string os = IsWindows ? "win" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
            return new[] { os + "-" + arch };
        }

        /// <summary>The program to run; a <see cref="FileNotFoundException"/> that says where it looked and what to do otherwise.</summary>
        internal static string Find(string explicitPath)
        {
            if (!string.IsNullOrEmpty(explicitPath))
            {
                return Existing(explicitPath, "FiksMockOptions.MockPath");
            }
            string fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return Existing(fromEnvironment, EnvironmentVariable);
            }
            List<string> tried = Candidates();
            foreach (string candidate in tried)
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new FileNotFoundException(
                "The " + Name + " program was not found. Looked in: " + string.Join(", ", tried)
                + ". Reference the Fiks.Integrasjon.Testing package (it carries the program for linux-x64 under runtimes/linux-x64/native/), "
                + "set " + EnvironmentVariable + " to the program's path, or set FiksMockOptions.MockPath "
                + "(in the repository: cargo build -p fiks-integrasjon-mock builds target/debug/" + Name + ").",
                FileName);
        }

        private static string Existing(string path, string origin)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(origin + " names '" + path + "', which is not a file. Point it at the "
                    + Name + " program, or leave it unset to use the copy the Fiks.Integrasjon.Testing package carries.", path);
            }
            return Path.GetFullPath(path);
        }

        private static List<string> Candidates()
        {
            var folders = new List<string>();
            string location = null;
            try
            {
                location = typeof(MockProgram).Assembly.Location;
            }
            catch (NotSupportedException)
            {
                // a dynamic assembly: only the base directory is left
            }
            if (!string.IsNullOrEmpty(location))
            {
                folders.Add(Path.GetDirectoryName(Path.GetFullPath(location)));
            }
            string baseDirectory = AppContext.BaseDirectory;
            if (!string.IsNullOrEmpty(baseDirectory))
            {
                string full = Path.GetFullPath(baseDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
                if (!folders.Contains(full))
                {
                    folders.Add(full);
                }
            }
            var candidates = new List<string>();
            foreach (string folder in folders)
            {
                Add(candidates, Path.Combine(folder, FileName));
                foreach (string rid in RuntimeIdentifiers())
                {
                    Add(candidates, Path.Combine(folder, "runtimes", rid, "native", FileName));
                    Add(candidates, Path.Combine(folder, "..", "..", "runtimes", rid, "native", FileName));
                }
            }
            return candidates;
        }

        private static void Add(List<string> list, string path)
        {
            string full = Path.GetFullPath(path);
            if (!list.Contains(full))
            {
                list.Add(full);
            }
        }

        /// <summary>
        /// Starts the program; when the start fails on Unix because the file is not executable (NuGet
        /// does not keep the execute bit when it extracts a package), marks it executable and tries
        /// again, and when that is not allowed either, runs a copy in <paramref name="scratch"/>.
        /// </summary>
        internal static Process Start(ProcessStartInfo info, string scratch)
        {
            try
            {
                return Process.Start(info);
            }
            catch (Win32Exception) when (!IsWindows && File.Exists(info.FileName))
            {
                // Permission denied: make it executable below.
            }
            if (MakeExecutable(info.FileName))
            {
                try
                {
                    return Process.Start(info);
                }
                catch (Win32Exception)
                {
                    // still not runnable where it is: run a copy
                }
            }
            string copy = Path.Combine(scratch, FileName);
            File.Copy(info.FileName, copy, true);
            if (!MakeExecutable(copy))
            {
                throw new InvalidOperationException("The " + Name + " program at '" + info.FileName
                    + "' is not executable and could not be made executable (chmod +x it).");
            }
            info.FileName = copy;
            return Process.Start(info);
        }

        private static bool MakeExecutable(string path)
        {
            try
            {
#if NET7_0_OR_GREATER
                File.SetUnixFileMode(path, File.GetUnixFileMode(path)
                    | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                return true;
#else
                var chmod = new ProcessStartInfo("chmod", "+x \"" + path.Replace("\"", "\\\"") + "\"") { UseShellExecute = false };
                using (Process p = Process.Start(chmod))
                {
                    return p.WaitForExit(10000) && p.ExitCode == 0;
                }
#endif
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is Win32Exception || e is InvalidOperationException)
            {
                return false;
            }
        }
    }
}
