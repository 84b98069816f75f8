using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>
    /// Hotplug of a domain's block devices and network interfaces (xl block-list/-attach/-detach, network-list/-attach/-detach).
    /// Devices come back with their devid, backend and state; the domain fields (name, id, uuid) are filled, the host
    /// fields are left for the caller. Attaching to Domain-0 is refused (XenErrorReason.Domain0Refused): xl accepts it,
    /// but Domain-0 has no frontend for the device, which stays Initialising and cannot be detached without force.
    /// Failures: DomainNotFound, DeviceNotFound, DeviceInUse, DeviceTargetNotFound, ConfigInvalid (a bad spec).
    /// </summary>
    public interface IXenDevices
    {
        /// <summary>The domain's virtual block devices, in devid order.</summary>
        IReadOnlyList<XenDomainDisk> ListDisks(XenDomain domain, CancellationToken cancellationToken);

        /// <summary>Attaches a disk (xl block-attach); returns it as listed afterwards.</summary>
        XenDomainDisk AttachDisk(XenDomain domain, DiskSpec disk, CancellationToken cancellationToken);

        /// <summary>Detaches the disk at <paramref name="vdev"/> (a name such as xvdb, or its devid); <paramref name="force"/> = xl block-detach -f.</summary>
        void DetachDisk(XenDomain domain, string vdev, bool force, CancellationToken cancellationToken);

        /// <summary>The domain's virtual network interfaces, in devid order.</summary>
        IReadOnlyList<XenDomainNetworkAdapter> ListNetworkAdapters(XenDomain domain, CancellationToken cancellationToken);

        /// <summary>Attaches a network interface (xl network-attach); returns it as listed afterwards.</summary>
        XenDomainNetworkAdapter AttachNetworkAdapter(XenDomain domain, VifSpec vif, CancellationToken cancellationToken);

        /// <summary>Detaches the interface with this devid ("1") or MAC ("00:16:3e:..."), as xl network-detach takes them.</summary>
        void DetachNetworkAdapter(XenDomain domain, string devidOrMac, CancellationToken cancellationToken);
    }
}
