using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>A host whose every listing takes <see cref="Delay"/> (a real, cancellable wait), fails, or hangs until cancelled.</summary>
    internal sealed class DelayBackend : IXenBackend
    {
        public DelayBackend(string name, TimeSpan delay) { Name = name; Delay = delay; }
        public string Name { get; }
        public TimeSpan Delay { get; set; }
        /// <summary>Fails every listing with this after the delay.</summary>
        public XenPSException? Fail { get; set; }
        public int Cancelled;
        public int Running;
        public int MaxRunning;
        public string Uri => "fake://" + Name;
        public string BackendName => "fake host";

        public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct)
        {
            int now = Interlocked.Increment(ref Running);
            lock (this) MaxRunning = Math.Max(MaxRunning, now);
            try
            {
                if (ct.WaitHandle.WaitOne(Delay))
                {
                    Interlocked.Increment(ref Cancelled);
                    ct.ThrowIfCancellationRequested();
                }
                if (Fail != null) throw Fail;
                return new[] { new XenDomain { Name = "Domain-0", Id = 0 }, new XenDomain { Name = "vm-" + Name, Id = 1 } };
            }
            finally { Interlocked.Decrement(ref Running); }
        }

        public XenDomain CreateDomain(XenDomainConfig config, CreateDomainOptions options, CancellationToken ct) => throw new XenOperationNotSupportedException(BackendName, "creating");
        public void Dispose() { }
    }

    /// <summary>
    /// The streaming fan-out (HostFanOut): results in order of arrival on the draining thread, a slow or dead host holding
    /// back only itself, the bound on parallel hosts, per-host order, per-host errors, cancellation, and the connection
    /// health it records.
    /// </summary>
    public sealed class HostFanOutTests
    {
        private static XenHostConnection Host(string name, double delayMs, XenPSException? fail = null) =>
            new XenHostConnection(name, "fake://" + name, new DelayBackend(name, TimeSpan.FromMilliseconds(delayMs)) { Fail = fail });

        private static DelayBackend Fake(XenHostConnection h) => (DelayBackend)h.Backend;

        [Fact]
        public void ResultsArriveInTheOrderTheHostsAnswerNotTheOrderGiven()
        {
            var hosts = new[] { Host("slow", 900), Host("fast", 10), Host("medium", 350) };
            var order = HostFanOut.Stream(hosts, (h, ct) => h.Backend.ListDomains(ct), 8, CancellationToken.None).Select(o => o.Host.Name).ToList();
            Assert.Equal(new[] { "fast", "medium", "slow" }, order);
        }

        [Fact]
        public void ASlowHostHoldsBackOnlyItself()
        {
            var hosts = new[] { Host("dead", 4000), Host("a", 20), Host("b", 20), Host("c", 20) };
            var sw = Stopwatch.StartNew();
            var arrived = new List<(string Host, double At)>();
            foreach (var o in HostFanOut.Stream(hosts, (h, ct) => h.Backend.ListDomains(ct), 8, CancellationToken.None))
                arrived.Add((o.Host.Name, sw.Elapsed.TotalMilliseconds));
            Assert.Equal("dead", arrived.Last().Host);
            // The three answering hosts were handed over long before the dead one answered.
            Assert.All(arrived.Take(3), a => Assert.True(a.At < 2000, $"{a.Host} arrived after {a.At} ms"));
            Assert.True(arrived.Last().At >= 3900);
        }

        [Fact]
        public void ADeadHostIsAnErrorOfItsOwnAtItsOwnTimeoutAndTheOthersAnswer()
        {
            var hosts = new[]
            {
                Host("dead", 1500, new XenTimeoutException("'xl' over ssh root@dead:22 did not finish within 1.5 s.")),
                Host("a", 10), Host("b", 10),
            };
            var sw = Stopwatch.StartNew();
            var got = HostFanOut.Stream(hosts, (h, ct) => h.Backend.ListDomains(ct), 8, CancellationToken.None)
                .Select(o => (o, At: sw.Elapsed.TotalMilliseconds)).ToList();
            Assert.Equal(3, got.Count);
            var dead = Assert.Single(got, g => g.o.Error != null);
            Assert.Same(hosts[0], dead.o.Host);
            Assert.Equal(XenErrorReason.Timeout, dead.o.Error!.Reason);
            Assert.True(got.Where(g => g.o.Error == null).All(g => g.At < dead.At));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), "bounded by the dead host's own timeout, not more");
            Assert.Equal(XenConnectionState.Degraded, hosts[0].State);
            Assert.Contains("did not finish", hosts[0].LastError);
            Assert.Equal(XenConnectionState.Open, hosts[1].State);
            Assert.NotNull(hosts[1].LastContact);
            Assert.True(hosts[1].LatencyMs >= 0);
        }

        [Fact]
        public void AHostThatFailsIsAPerHostErrorAndTheRestSucceed()
        {
            var hosts = new[] { Host("a", 10), Host("broken", 10, new XenConnectionException("Cannot reach ssh root@broken: Connection refused")), Host("c", 10) };
            var got = HostFanOut.Run(hosts, (h, ct) => h.Backend.ListDomains(ct), 8, CancellationToken.None);
            Assert.Equal(hosts, got.Select(g => g.Host).ToArray()); // Run: in the order given
            Assert.Null(got[0].Error);
            Assert.Equal(XenErrorReason.ConnectionFailed, got[1].Error?.Reason);
            Assert.Null(got[1].Value);
            Assert.Equal("vm-c", got[2].Value![1].Name);
        }

        [Fact]
        public void HostsRunInParallelNotOneAfterTheOther()
        {
            var hosts = Enumerable.Range(0, 50).Select(i => Host("h" + i, 300)).ToArray();
            var sw = Stopwatch.StartNew();
            var got = HostFanOut.Stream(hosts, (h, ct) => h.Backend.ListDomains(ct), 50, CancellationToken.None).ToList();
            sw.Stop();
            Assert.Equal(50, got.Count);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"50 hosts of 0.3 s took {sw.Elapsed.TotalSeconds:F2} s (serial would be 15 s)");
        }

        [Fact]
        public void TheDegreeBoundsHowManyHostsAreWorkedOnAtOnce()
        {
            int running = 0, max = 0;
            var hosts = Enumerable.Range(0, 6).Select(i => Host("h" + i, 0)).ToArray();
            var sw = Stopwatch.StartNew();
            var got = HostFanOut.Stream(hosts, (h, ct) =>
            {
                int n = Interlocked.Increment(ref running);
                lock (hosts) max = Math.Max(max, n);
                Thread.Sleep(150);
                Interlocked.Decrement(ref running);
                return h.Name;
            }, 2, CancellationToken.None).ToList();
            Assert.Equal(6, got.Count);
            Assert.Equal(2, max);
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(400));
        }

        [Fact]
        public void WorkOnOneHostIsDoneInOrderAndHostsInParallel()
        {
            var a = Host("a", 0);
            var b = Host("b", 0);
            var log = new ConcurrentQueue<string>();
            int onA = 0, maxOnA = 0;
            using var fan = new HostFanOut<string>(8, CancellationToken.None);
            for (int i = 0; i < 4; i++)
            {
                int n = i;
                fan.Add(a, ct =>
                {
                    int now = Interlocked.Increment(ref onA);
                    lock (log) maxOnA = Math.Max(maxOnA, now);
                    Thread.Sleep(50);
                    Interlocked.Decrement(ref onA);
                    log.Enqueue("a" + n);
                    return "a" + n;
                });
            }
            fan.Add(b, ct => "b0");
            var got = fan.Drain().Select(o => o.Value).ToList();
            Assert.Equal(1, maxOnA);
            Assert.Equal(new[] { "a0", "a1", "a2", "a3" }, got.Where(x => x!.StartsWith("a")).ToArray());
            Assert.Equal("b0", got[0]); // b did not wait for a's queue
        }

        [Fact]
        public void WorkAddedWhileDrainingIsDrainedToo()
        {
            var a = Host("a", 0);
            using var fan = new HostFanOut<int>(4, CancellationToken.None);
            fan.Add(a, ct => 1);
            var got = new List<int>();
            foreach (var o in fan.Drain())
            {
                got.Add(o.Value);
                if (o.Value < 3) fan.Add(a, ct => o.Value + 1);
            }
            Assert.Equal(new[] { 1, 2, 3 }, got);
        }

        [Fact]
        public void ItemsOfOneHostArriveOneByOneAsTheyAreProduced()
        {
            var a = Host("a", 0);
            using var fan = new HostFanOut<int>(4, CancellationToken.None);
            var release = new ManualResetEventSlim();
            fan.AddMany(a, ct => Produce(release));
            var sw = Stopwatch.StartNew();
            var first = fan.Drain().First();
            Assert.Equal(1, first.Value);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), "the first item came before the work finished");
            release.Set();

            static IEnumerable<int> Produce(ManualResetEventSlim release)
            {
                yield return 1;
                release.Wait(TimeSpan.FromSeconds(5));
                yield return 2;
            }
        }

        [Fact]
        public void CancellingStopsTheWorkersAndTheDrain()
        {
            var hosts = new[] { Host("a", 60000), Host("b", 60000), Host("c", 60000) };
            using var cts = new CancellationTokenSource();
            var sw = new Stopwatch();
            // Ctrl+C once every host's work is under way
            var cancel = System.Threading.Tasks.Task.Run(() =>
            {
                SpinWait.SpinUntil(() => hosts.All(h => Fake(h).Running == 1), TimeSpan.FromSeconds(20));
                sw.Start();
                cts.Cancel();
            });
            Assert.ThrowsAny<OperationCanceledException>(() =>
                HostFanOut.Stream(hosts, (h, ct) => h.Backend.ListDomains(ct), 8, cts.Token).ToList());
            cancel.Wait();
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), "the drain ended at once");
            SpinWait.SpinUntil(() => hosts.All(h => Fake(h).Cancelled == 1), TimeSpan.FromSeconds(5));
            Assert.All(hosts, h => Assert.Equal(1, Fake(h).Cancelled));
        }

        [Fact]
        public void LeavingTheStreamEarlyCancelsTheRest()
        {
            var hosts = new[] { Host("fast", 0), Host("slow", 60000) };
            // the fast host answers only once the slow host's work is under way (on a loaded machine the slow worker could
            // otherwise start after the stream was left, and work that never ran is never cancelled)
            var first = HostFanOut.Stream(hosts, (h, ct) =>
            {
                if (h == hosts[0]) Assert.True(SpinWait.SpinUntil(() => Fake(hosts[1]).Running == 1, TimeSpan.FromSeconds(20)), "the slow host's work started");
                return h.Backend.ListDomains(ct);
            }, 8, CancellationToken.None).First();
            Assert.Equal("fast", first.Host.Name);
            Assert.True(SpinWait.SpinUntil(() => Fake(hosts[1]).Cancelled == 1, TimeSpan.FromSeconds(5)), "the slow host's work was cancelled");
        }

        [Fact]
        public void CallbacksFromWorkersRunOnTheDrainingThread()
        {
            var hosts = new[] { Host("a", 0), Host("b", 0) };
            using var fan = new HostFanOut<int>(4, CancellationToken.None);
            var posted = new List<int>();
            foreach (var h in hosts)
                fan.Add(h, ct =>
                {
                    int worker = Environment.CurrentManagedThreadId;
                    fan.Post(() => posted.Add(Environment.CurrentManagedThreadId));
                    int drainer = fan.OnDrainer(() => Environment.CurrentManagedThreadId);
                    Assert.NotEqual(worker, drainer);
                    return drainer;
                });
            var got = fan.Drain().Select(o => o.Value).ToList();
            int me = Environment.CurrentManagedThreadId;
            Assert.Equal(new[] { me, me }, got);
            Assert.Equal(new[] { me, me }, posted);
        }

        [Fact]
        public void ABugInTheWorkIsRethrownOnTheDrainingThread()
        {
            var hosts = new[] { Host("a", 0) };
            var e = Assert.Throws<InvalidOperationException>(() =>
                HostFanOut.Stream<int>(hosts, (h, ct) => throw new InvalidOperationException("bug"), 4, CancellationToken.None).ToList());
            Assert.Equal("bug", e.Message);
        }

        [Fact]
        public void TakeReadyReturnsWhatHasArrivedWithoutWaiting()
        {
            var a = Host("a", 0);
            var b = Host("b", 0);
            using var fan = new HostFanOut<string>(4, CancellationToken.None);
            var gate = new ManualResetEventSlim();
            fan.Add(a, ct => "a");
            fan.Add(b, ct => { gate.Wait(ct); return "b"; });
            Assert.True(SpinWait.SpinUntil(() => fan.Outstanding == 1, TimeSpan.FromSeconds(5)));
            var sw = Stopwatch.StartNew();
            var ready = fan.TakeReady().Select(o => o.Value).ToList();
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1));
            Assert.Equal(new[] { "a" }, ready);
            gate.Set();
            Assert.Equal(new[] { "b" }, fan.Drain().Select(o => o.Value).ToArray());
        }
    }
}
