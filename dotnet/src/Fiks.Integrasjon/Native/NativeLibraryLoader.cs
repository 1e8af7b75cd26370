using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Fiks.Integrasjon.Native
{
    /// <summary>
    /// Finds <c>libfiks_integrasjon</c>: first where the runtime looks by itself (the NuGet package's
    /// <c>runtimes/&lt;rid&gt;/native/</c> folder, the application folder, the system search path),
    /// then the file named by the environment variable <c>FIKS_INTEGRASJON_NATIVE_LIBRARY</c>
    /// (a file, or a folder holding it).
    /// </summary>
    /// <remarks>
    /// On .NET 5 and later this is a <c>NativeLibrary.SetDllImportResolver</c> callback. With the
    /// netstandard2.0 build on .NET Framework (Windows) the variable's file is loaded ahead of the
    /// first call when the default probe does not find the library. Mono on Linux and macOS binds
    /// only what its own probe finds, and does not look in <c>runtimes/&lt;rid&gt;/native/</c>: the
    /// package therefore carries <c>lib/netstandard2.0/Fiks.Integrasjon.dll.config</c>, a dllmap to
    /// <c>../../runtimes/linux-x64/native/libfiks_integrasjon.so</c> (the package layout, written by
    /// scripts/nupkg.py). Mono then loads only that file, and does not fall back to
    /// <c>LD_LIBRARY_PATH</c>: with the assembly copied elsewhere, copy that folder along or remove
    /// the <c>.dll.config</c> and use <c>LD_LIBRARY_PATH</c>/<c>DYLD_LIBRARY_PATH</c> or the folder
    /// of the assembly.
    /// </remarks>
    internal static class NativeLibraryLoader
    {
        internal const string EnvironmentVariable = "FIKS_INTEGRASJON_NATIVE_LIBRARY";

        private static readonly object Gate = new object();
        private static bool _initialized;
        private static volatile bool _loaded;

        /// <summary>Installs the resolver once and checks that the library answers; throws a
        /// <see cref="DllNotFoundException"/> that says what to do when it cannot be found.</summary>
        internal static void EnsureLoaded()
        {
            if (_loaded)
            {
                return;
            }
            lock (Gate)
            {
                if (!_initialized)
                {
                    _initialized = true;
                    Initialize();
                }
            }
            try
            {
                NativeMethods.fiks_version();
                _loaded = true;
            }
            catch (DllNotFoundException e)
            {
                throw new DllNotFoundException(NotFoundMessage(), e);
            }
            catch (EntryPointNotFoundException e)
            {
                throw new DllNotFoundException(
                    "The native library fiks_integrasjon was found but does not export fiks_version: it is not libfiks_integrasjon or is too old. "
                    + NotFoundMessage(), e);
            }
        }

        private static string NotFoundMessage()
        {
            string explicitPath = Environment.GetEnvironmentVariable(EnvironmentVariable);
            string tried = string.IsNullOrEmpty(explicitPath)
                ? EnvironmentVariable + " is not set"
                : EnvironmentVariable + " is '" + explicitPath + "'" + (PathExists(explicitPath) ? "" : ", which does not exist");
            return "The native library libfiks_integrasjon (" + PlatformFileName() + ") could not be loaded ("
                + tried + "). Reference the Fiks.Integrasjon package for your platform's runtimes/<rid>/native/ copy, "
                + "put the library next to the application or on the library search path (LD_LIBRARY_PATH, PATH, DYLD_LIBRARY_PATH), "
                + "or set " + EnvironmentVariable + " to its full path (.NET 5 and later, .NET Framework). Under Mono use LD_LIBRARY_PATH; "
                + "a Fiks.Integrasjon.dll.config next to Fiks.Integrasjon.dll (the package's dllmap) makes Mono load only "
                + "../../runtimes/linux-x64/native/libfiks_integrasjon.so relative to it, so keep that layout or delete the .config.";
        }

        private static bool PathExists(string path)
        {
            try
            {
                return File.Exists(path) || Directory.Exists(path);
            }
            catch (Exception)
            {
                return false;
            }
        }

        /// <summary>The library's file name on this platform.</summary>
        internal static string PlatformFileName()
        {
            if (IsWindows)
            {
                return NativeMethods.LibraryName + ".dll";
            }
            if (IsMacOs)
            {
                return "lib" + NativeMethods.LibraryName + ".dylib";
            }
            return "lib" + NativeMethods.LibraryName + ".so";
        }

        /// <summary>The file named by the environment variable (a folder gets the platform file name), or null.</summary>
        internal static string ExplicitPath()
        {
            string value = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }
            try
            {
                if (Directory.Exists(value))
                {
                    return Path.Combine(value, PlatformFileName());
                }
            }
            catch (Exception)
            {
                // an unusable value: use it as it is and let the load report it
            }
            return value;
        }

        private static bool IsWindows
        {
            get { return Path.DirectorySeparatorChar == '\\'; }
        }

        private static bool IsMacOs
        {
            get { return !IsWindows && Directory.Exists("/System/Library/CoreServices") && File.Exists("/usr/lib/libSystem.dylib"); }
        }

#if NET5_0_OR_GREATER
        private static void Initialize()
        {
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // the application installed its own resolver for this assembly: it decides
            }
        }

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != NativeMethods.LibraryName)
            {
                return IntPtr.Zero;
            }
            IntPtr handle;
            if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out handle))
            {
                return handle;
            }
            string explicitPath = ExplicitPath();
            if (explicitPath != null && NativeLibrary.TryLoad(explicitPath, out handle))
            {
                return handle;
            }
            return IntPtr.Zero;
        }
#else
        private static void Initialize()
        {
            string explicitPath = ExplicitPath();
            // Windows finds an already loaded module by its file name, so the DllImport binds to it;
            // dlopen (Mono on Linux and macOS) does not, so there the variable cannot help.
            if (explicitPath == null || !IsWindows || DefaultProbeFinds())
            {
                return;
            }
            try
            {
                Windows.LoadLibraryW(explicitPath);
            }
            catch (Exception)
            {
                // the first call reports the missing library with NotFoundMessage
            }
        }

        private static bool DefaultProbeFinds()
        {
            try
            {
                NativeMethods.fiks_version();
                return true;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
            catch (EntryPointNotFoundException)
            {
                return false;
            }
        }

        private static class Windows
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            internal static extern IntPtr LoadLibraryW(string path);
        }
#endif
    }
}
