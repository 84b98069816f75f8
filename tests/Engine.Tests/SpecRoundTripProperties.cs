using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace XenPS.Tests
{
    public class SpecRoundTripProperties
    {
        private static Gen<string> Text(string alphabet, int max) =>
            Gen.ListOf(Gen.Elements(alphabet.ToCharArray()), max).Select(l => new string(l.ToArray()));

        [Property(MaxTest = 500)]
        public Property DiskToSpecStringParsesBackToTheSameDisk()
        {
            var gen =
                from target in Text("/abz09 ,:=._-", 20).Where(t => t.Length > 0 && t.Trim() == t)
                from vdev in Gen.Elements("xvda", "xvdb", "hdc", "sda", "d0p1", "51712")
                from format in Gen.Elements<string?>(null, "raw", "qcow", "qcow2", "vhd", "qed")
                from access in Gen.Elements<string?>(null, "r", "ro", "w", "rw")
                from devType in Gen.Elements<string?>(null, "cdrom", "disk")
                from backendType in Gen.Elements<string?>(null, "phy", "tap", "qdisk")
                from script in Gen.Elements<string?>(null, "block-iscsi", "/etc/xen/scripts/block-x")
                from backend in Gen.Elements<string?>(null, "driverdom")
                select (target, vdev, format, access, devType, backendType, script, backend);
            return Prop.ForAll(Arb.From(gen), p =>
            {
                var d = DiskSpec.Create(p.target, p.vdev, p.format, p.access, p.devType, p.backendType, p.script, p.backend);
                var back = DiskSpec.Parse(d.ToSpecString());
                Assert.Equal(d.ToSpecString(), back.ToSpecString());
                Assert.Equal((p.target, p.vdev, p.format ?? "raw"), (back.Target, back.Vdev, back.Format));
                Assert.Equal(p.devType == "cdrom" || p.access == "r" || p.access == "ro", back.IsReadOnly);
                Assert.Equal(p.devType == "cdrom", back.IsCdrom);
                Assert.Equal((p.backendType, p.script, p.backend), (back.BackendType, back.Script, back.Backend));
                return true;
            });
        }

        [Property(MaxTest = 500)]
        public Property VifToSpecStringParsesBackToTheSameVif()
        {
            var value = Text("abz09.:/ -_", 12).Where(v => !v.StartsWith(" "));
            var part =
                from key in Gen.Elements("bridge", "ip", "vifname", "script", "model", "rate", "backend", "gatewaydev")
                from v in value
                select new KeyValuePair<string, string>(key, v);
            var gen =
                from parts in Gen.ListOf(part, 6)
                from mac in Gen.Elements<string?>(null, "00:16:3E:0a:0B:0c", "aa-bb-cc-dd-ee-ff")
                from type in Gen.Elements<string?>(null, "vif", "ioemu")
                select (parts, mac, type);
            return Prop.ForAll(Arb.From(gen), p =>
            {
                var all = p.parts.ToList();
                if (p.mac != null) all.Add(new KeyValuePair<string, string>("mac", p.mac));
                if (p.type != null) all.Add(new KeyValuePair<string, string>("type", p.type));
                var v = VifSpec.Create(all);
                var back = VifSpec.Parse(v.ToSpecString());
                Assert.Equal(v.ToSpecString(), back.ToSpecString());
                Assert.Equal(v.Settings, back.Settings);
                foreach (var g in all.GroupBy(kv => kv.Key))
                {
                    string expected = g.Last().Value;
                    string? actual = back.Settings.Single(kv => kv.Key == g.Key).Value;
                    if (g.Key == "mac") Assert.Equal(expected.ToLowerInvariant().Replace('-', ':'), actual);
                    else Assert.Equal(expected, actual);
                }
                return true;
            });
        }
    }
}
