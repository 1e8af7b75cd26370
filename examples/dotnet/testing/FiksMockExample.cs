// Your own tests against the strict local mock, with Fiks.Integrasjon.Testing's FiksMock.
//
// Written the way an xunit test class uses it (one mock per class, Reset() before each test; see
// FiksMockExample.csproj and dotnet/README.md "Testing with FiksMock"), but as a small program
// with its own Assert so it runs anywhere: it prints what it checked and exits 1 on a failure.
// The mock program comes from the package (runtimes/linux-x64/native/fiks-integrasjon-mock) and
// the native library from Fiks.Integrasjon's, with nothing set in the environment.
//
// Usage: FiksMockExample.exe
using System;
using System.Collections.Generic;
using Fiks.Integrasjon;
using Fiks.Integrasjon.Testing;

/// <summary>What xunit's IClassFixture&lt;MockFixture&gt; would share between the tests of a class.</summary>
public sealed class MockFixture : IDisposable
{
    public FiksMock Mock { get; } = FiksMock.Start();

    public void Dispose()
    {
        Mock.Dispose();
    }
}

/// <summary>A test class: with xunit, `public class MyIntegrationTests : IClassFixture&lt;MockFixture&gt;`.</summary>
public sealed class MyIntegrationTests
{
    private readonly FiksMock _mock;

    public MyIntegrationTests(MockFixture fixture)
    {
        _mock = fixture.Mock;
        _mock.Reset();                 // each test starts from zero counters, no faults, no tokens
    }

    // [Fact]
    public void OneTokenServesManyCalls()
    {
        using (FiksClient client = _mock.CreateClient())
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "GET /echo");
            }
            IReadOnlyDictionary<string, long> counters = _mock.Counters();
            Assert.Equal(1L, counters["token_requests"], "token requests for three calls");
            Assert.Equal(3L, counters["fiks_requests"], "Fiks requests");
        }
    }

    // [Fact]
    public void TheHeadersAreTheIntegrasjon()
    {
        using (FiksClient client = _mock.CreateClient())
        {
            IReadOnlyDictionary<string, string> headers = client.GetHeaders();
            Assert.True(headers["Authorization"].StartsWith("Bearer ", StringComparison.Ordinal), "a bearer token");
            Assert.Equal(_mock.IntegrasjonId, headers["IntegrasjonId"], "IntegrasjonId");
        }
    }

    // [Fact]
    public void AFiksOutageReachesTheCaller()
    {
        using (FiksClient client = _mock.CreateClient())
        {
            _mock.Fault("fiks", 1, "503");            // POST is not retried
            FiksException e = Assert.Throws<FiksException>(() => client.Send("POST", "/echo", "{}"), "POST during an outage");
            Assert.Equal(503, e.HttpStatus, "HttpStatus");
            Assert.True(e.IsTransient, "IsTransient: worth trying again later");
        }
    }

    // [Fact]
    public void AnExpiredTokenIsRenewed()
    {
        using (FiksClient client = _mock.CreateClient())
        {
            client.GetAccessToken();
            _mock.RevokeTokens();                     // the Fiks side answers 401 to it now
            Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "GET after the revocation");
            Assert.Equal(2L, _mock.Counters()["tokens_issued"], "tokens issued");
        }
    }

    // [Fact]
    public void TheConfigFileWorksToo()
    {
        using (FiksClient client = FiksClient.FromFile(_mock.ConfigPath))
        {
            Assert.Equal(200, client.Send("GET", "/echo").StatusCode, "FromFile(mock.ConfigPath)");
        }
    }
}

/// <summary>The few asserts used above (xunit's Assert has the same names).</summary>
internal static class Assert
{
    internal static void True(bool condition, string what)
    {
        if (!condition)
        {
            throw new Exception("expected true: " + what);
        }
    }

    internal static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new Exception(what + ": expected <" + expected + "> but was <" + actual + ">");
        }
    }

    internal static T Throws<T>(Action action, string what) where T : Exception
    {
        try
        {
            action();
        }
        catch (T e)
        {
            return e;
        }
        throw new Exception(what + ": expected " + typeof(T).Name);
    }
}

internal static class Program
{
    private static int Main()
    {
        var tests = new KeyValuePair<string, Action<MyIntegrationTests>>[]
        {
            new KeyValuePair<string, Action<MyIntegrationTests>>("OneTokenServesManyCalls", t => t.OneTokenServesManyCalls()),
            new KeyValuePair<string, Action<MyIntegrationTests>>("TheHeadersAreTheIntegrasjon", t => t.TheHeadersAreTheIntegrasjon()),
            new KeyValuePair<string, Action<MyIntegrationTests>>("AFiksOutageReachesTheCaller", t => t.AFiksOutageReachesTheCaller()),
            new KeyValuePair<string, Action<MyIntegrationTests>>("AnExpiredTokenIsRenewed", t => t.AnExpiredTokenIsRenewed()),
            new KeyValuePair<string, Action<MyIntegrationTests>>("TheConfigFileWorksToo", t => t.TheConfigFileWorksToo()),
        };
        int failed = 0;
        int pid;
        using (var fixture = new MockFixture())
        {
            pid = fixture.Mock.ProcessId;
            Console.WriteLine("mock: " + fixture.Mock + ", program " + fixture.Mock.MockPath);
            foreach (KeyValuePair<string, Action<MyIntegrationTests>> test in tests)
            {
                try
                {
                    test.Value(new MyIntegrationTests(fixture));
                    Console.WriteLine("PASS " + test.Key);
                }
                catch (Exception e)
                {
                    failed++;
                    Console.WriteLine("FAIL " + test.Key + ": " + e.Message);
                }
            }
        }
        Console.WriteLine("mock process " + pid + " stopped by Dispose");
        Console.WriteLine((tests.Length - failed) + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
