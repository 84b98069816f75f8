using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using XenPS.Backends;
using Xunit;

namespace XenPS.Tests.Conformance
{
    /// <summary>The conformance suite against the real simulated host, in a temp folder, on the test clock of <see cref="SimTestHost"/>.</summary>
    public sealed class SimulatedConformance : BackendConformance
    {
        private readonly SimTestHost _sim = new SimTestHost();

        protected override IXenBackend OpenBackend() => _sim.Open();

        protected override void Elapse(TimeSpan time) => _sim.Now += time;

        protected override IReadOnlyCollection<Type> Capabilities { get; } =
            new[] { typeof(IXenHostFacts), typeof(IXenPowerControl), typeof(IXenConsoleAccess), typeof(IXenBackendNotes), typeof(IXenDomainSettings), typeof(IXenCheckpoint), typeof(IXenReboot), typeof(IXenStoredConfigs), typeof(IXenDevices), typeof(IXenHostRestart), typeof(IXenMigration) };

        /// <summary>The state folder's files (not the lock file, which every call opens).</summary>
        protected override string HostFootprint()
        {
            if (!Directory.Exists(_sim.Folder)) return "";
            return string.Join("\n", Directory.EnumerateFiles(_sim.Folder, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f) != ".lock")
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => Path.GetRelativePath(_sim.Folder, f) + " " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))));
        }

        /// <summary>The simulated guest's boot ends at its login prompt.</summary>
        protected override Regex BootFinished { get; } = new Regex(@"login: $");

        [Fact(Skip = "The simulated host has no terminal console (IXenTerminalConsole): Connect-XenConsole relays keys itself.")]
        public override void TheTerminalConsoleAttachesToTheGuest() { }

        public override void Dispose()
        {
            base.Dispose();
            _sim.Dispose();
        }
    }
}
