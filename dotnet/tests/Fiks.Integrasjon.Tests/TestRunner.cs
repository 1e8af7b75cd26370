using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace Fiks.Integrasjon.Tests
{
    /// <summary>Marks a test method (public, no parameters, void or Task).</summary>
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class TestAttribute : Attribute
    {
        /// <summary>The test does not use the mock (runs even when it is not given).</summary>
        public bool Offline { get; set; }
    }

    /// <summary>
    /// A small test runner (NUnit 2.6 from Debian is too old to be worth it under Mono):
    /// runs every [Test] method of this assembly, or those whose name contains an argument,
    /// each with a time limit, after resetting the mock; prints one line per test and finally
    /// exactly "N passed, N failed". Exit code 0 only when nothing failed.
    /// Usage: mono Fiks.Integrasjon.Tests.exe [--mock-json FILE] [NAME-FILTER...]
    /// (FILE defaults to $FIKS_MOCK_JSON: the JSON line printed by fiks-integrasjon-mock).
    /// </summary>
    internal static class TestRunner
    {
        private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);

        private static int Main(string[] args)
        {
            var filters = new List<string>();
            string mockJson = Environment.GetEnvironmentVariable("FIKS_MOCK_JSON");
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--mock-json" && i + 1 < args.Length)
                {
                    mockJson = args[++i];
                }
                else
                {
                    filters.Add(args[i]);
                }
            }

            int unobserved = 0;
            TaskScheduler.UnobservedTaskException += (s, e) =>
            {
                Interlocked.Increment(ref unobserved);
                Console.WriteLine("  (unobserved task exception: " + e.Exception.GetBaseException().Message + ")");
            };

            string mockProblem = null;
            try
            {
                if (string.IsNullOrEmpty(mockJson))
                {
                    mockProblem = "no mock: pass --mock-json FILE or set FIKS_MOCK_JSON";
                }
                else
                {
                    Mock.Current = Mock.Load(mockJson);
                }
            }
            catch (Exception e)
            {
                mockProblem = "cannot read the mock's JSON from " + mockJson + ": " + e.Message;
            }
            if (mockProblem != null)
            {
                Console.WriteLine("warning: " + mockProblem + "; tests that need it fail");
            }

            List<MethodInfo> tests = typeof(TestRunner).Assembly.GetTypes()
                .Where(t => t.IsClass)
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                .Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                .Where(m => filters.Count == 0 || filters.Any(f => FullName(m).IndexOf(f, StringComparison.OrdinalIgnoreCase) >= 0))
                .OrderBy(m => m.DeclaringType.Name, StringComparer.Ordinal)
                .ThenBy(m => m.MetadataToken)
                .ToList();

            int passed = 0;
            int failed = 0;
            var failures = new List<string>();
            foreach (MethodInfo test in tests)
            {
                var attribute = (TestAttribute)test.GetCustomAttributes(typeof(TestAttribute), false)[0];
                var watch = Stopwatch.StartNew();
                string failure = null;
                if (!attribute.Offline && Mock.Current == null)
                {
                    failure = mockProblem;
                }
                else
                {
                    failure = Run(test, attribute.Offline);
                }
                watch.Stop();
                if (failure == null)
                {
                    passed++;
                    Console.WriteLine("PASS " + FullName(test) + " (" + watch.ElapsedMilliseconds + " ms)");
                }
                else
                {
                    failed++;
                    failures.Add(FullName(test));
                    Console.WriteLine("FAIL " + FullName(test) + " (" + watch.ElapsedMilliseconds + " ms)");
                    foreach (string line in failure.Split('\n'))
                    {
                        Console.WriteLine("     " + line.TrimEnd('\r'));
                    }
                }
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (Volatile.Read(ref unobserved) > 0)
            {
                failed++;
                failures.Add("unobserved task exceptions");
                Console.WriteLine("FAIL " + unobserved + " unobserved task exception(s)");
            }
            if (failures.Count > 0)
            {
                Console.WriteLine("failed: " + string.Join(", ", failures));
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            Console.Out.Flush();
            return failed == 0 && tests.Count > 0 ? 0 : 1;
        }

        private static string FullName(MethodInfo m)
        {
            return m.DeclaringType.Name + "." + m.Name;
        }

        private static string Run(MethodInfo test, bool offline)
        {
            Task run = Task.Run(async () =>
            {
                if (!offline)
                {
                    await Mock.Current.ResetAsync().ConfigureAwait(false);
                }
                object instance = test.IsStatic ? null : Activator.CreateInstance(test.DeclaringType);
                try
                {
                    object result;
                    try
                    {
                        result = test.Invoke(instance, null);
                    }
                    catch (TargetInvocationException e)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                        throw;
                    }
                    var task = result as Task;
                    if (task != null)
                    {
                        await task.ConfigureAwait(false);
                    }
                }
                finally
                {
                    var disposable = instance as IDisposable;
                    if (disposable != null)
                    {
                        disposable.Dispose();
                    }
                }
            });
            try
            {
                if (!run.Wait(TestTimeout))
                {
                    return "timed out after " + TestTimeout.TotalSeconds + " s";
                }
                return null;
            }
            catch (AggregateException e)
            {
                Exception inner = e.InnerExceptions.Count == 1 ? e.InnerExceptions[0] : e;
                return inner is AssertionException ? inner.Message + "\n" + Trim(inner.StackTrace) : inner.ToString();
            }
        }

        private static string Trim(string stackTrace)
        {
            if (stackTrace == null)
            {
                return "";
            }
            return string.Join("\n", stackTrace.Split('\n').Where(l => l.IndexOf("Assert.", StringComparison.Ordinal) < 0).Take(4));
        }
    }

    internal sealed class AssertionException : Exception
    {
        public AssertionException(string message) : base(message)
        {
        }
    }

    /// <summary>The asserts the tests use.</summary>
    internal static class Assert
    {
        internal static void True(bool condition, string message)
        {
            if (!condition)
            {
                throw new AssertionException(message);
            }
        }

        internal static void False(bool condition, string message)
        {
            True(!condition, message);
        }

        internal static void Equal<T>(T expected, T actual, string what = null)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                throw new AssertionException((what == null ? "" : what + ": ") + "expected <" + expected + "> but was <" + actual + ">");
            }
        }

        internal static void NotNull(object value, string what)
        {
            if (value == null)
            {
                throw new AssertionException(what + " is null");
            }
        }

        internal static void Null(object value, string what)
        {
            if (value != null)
            {
                throw new AssertionException(what + " is <" + value + ">, expected null");
            }
        }

        internal static void Contains(string expectedPart, string actual, string what = null)
        {
            if (actual == null || actual.IndexOf(expectedPart, StringComparison.Ordinal) < 0)
            {
                throw new AssertionException((what == null ? "" : what + ": ") + "<" + actual + "> does not contain <" + expectedPart + ">");
            }
        }

        internal static void DoesNotContain(string forbidden, string actual, string what = null)
        {
            if (!string.IsNullOrEmpty(forbidden) && actual != null && actual.IndexOf(forbidden, StringComparison.Ordinal) >= 0)
            {
                throw new AssertionException((what == null ? "" : what + ": ") + "contains a forbidden value");
            }
        }

        internal static T Throws<T>(Action action, string what = null) where T : Exception
        {
            try
            {
                action();
            }
            catch (T e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionException((what == null ? "" : what + ": ") + "expected " + typeof(T).Name + " but got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionException((what == null ? "" : what + ": ") + "expected " + typeof(T).Name + " but nothing was thrown");
        }

        internal static async Task<T> ThrowsAsync<T>(Func<Task> action, string what = null) where T : Exception
        {
            try
            {
                await action().ConfigureAwait(false);
            }
            catch (T e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionException((what == null ? "" : what + ": ") + "expected " + typeof(T).Name + " but got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionException((what == null ? "" : what + ": ") + "expected " + typeof(T).Name + " but nothing was thrown");
        }
    }
}
