using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using XenPS.Config;

namespace XenPS.Backends.Simulated
{
    /// <summary>The simulated host's boot: every domain goes, then xendomains' start of /etc/xen/auto.</summary>
    public sealed partial class SimulatedXenBackend : IXenHostRestart
    {
        public IReadOnlyList<XenAutoStartOutcome> RestartHost(CancellationToken cancellationToken)
        {
            // the power cycle: every domain ends where it is (its console log ends there)
            Locked(cancellationToken, now =>
            {
                foreach (var d in _store.Domains.Values.ToList())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!d.Shut) MaterializeConsole(d, d.Uptime(now), cancellationToken);
                    _store.Delete(d.Id);
                }
                Files.Delete(DomidHistoryPath); // xen-init-dom0 clears libxl's domid history at boot
                _store.Commit(cancellationToken);
                return 0;
            });
            // xendomains start: each entry of auto/, in name order
            var entries = FileOp(cancellationToken, () => Directory.Exists(AutoFolder)
                ? Directory.EnumerateFileSystemEntries(AutoFolder).Select(Path.GetFileName).Where(n => n != null).Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToList()
                : new List<string>());
            var outcomes = new List<XenAutoStartOutcome>();
            foreach (string entry in entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string hostPath = ConfigDirectory + "/auto/" + entry;
                try
                {
                    string? text = FileOp(cancellationToken, () =>
                    {
                        string full = Path.Combine(AutoFolder, entry);
                        return File.Exists(full) ? File.ReadAllText(full, new UTF8Encoding(false)) : null;
                    });
                    if (text == null)
                        throw new Services.XenConfigFileException(Services.ConfigFileProblem.NotFound, hostPath, $"{hostPath} points to no file (a dangling link).");
                    var config = DomainConfigReader.LoadText(text, hostPath, null, new ConfigReadOptions(), cancellationToken);
                    if (ListDomains(cancellationToken).Any(d => d.Name == config.Name))
                    {
                        outcomes.Add(new XenAutoStartOutcome(entry, null, null, alreadyRunning: true));
                        continue;
                    }
                    outcomes.Add(new XenAutoStartOutcome(entry, CreateDomain(config, new CreateDomainOptions(), cancellationToken), null));
                }
                catch (XenPSException e)
                {
                    outcomes.Add(new XenAutoStartOutcome(entry, null, e));
                }
            }
            return outcomes;
        }
    }
}
