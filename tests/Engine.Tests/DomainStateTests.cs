using Xunit;

namespace XenPS.Tests
{
    public class DomainStateTests
    {
        [Theory]
        [InlineData("------", XenDomainStateFlags.None, XenShutdownReason.None)]
        [InlineData("r-----", XenDomainStateFlags.Running, XenShutdownReason.None)]
        [InlineData("-b----", XenDomainStateFlags.Blocked, XenShutdownReason.None)]
        [InlineData("--p---", XenDomainStateFlags.Paused, XenShutdownReason.None)]
        [InlineData("---s--", XenDomainStateFlags.Shutdown, XenShutdownReason.Poweroff)]
        [InlineData("---sc-", XenDomainStateFlags.Shutdown | XenDomainStateFlags.Crashed, XenShutdownReason.Crash)]
        [InlineData("---sr-", XenDomainStateFlags.Shutdown, XenShutdownReason.Reboot)]
        [InlineData("-b---d", XenDomainStateFlags.Blocked | XenDomainStateFlags.Dying, XenShutdownReason.None)]
        public void DecodesXlStateColumn(string flags, XenDomainStateFlags state, XenShutdownReason reason)
        {
            Assert.Equal(state, XenDomain.DecodeFlags(flags));
            Assert.Equal(reason, XenDomain.DecodeReason(flags));
            bool shut = (state & XenDomainStateFlags.Shutdown) != 0;
            Assert.Equal(flags, XenDomain.EncodeState((state & XenDomainStateFlags.Running) != 0, (state & XenDomainStateFlags.Blocked) != 0,
                (state & XenDomainStateFlags.Paused) != 0, shut, reason, (state & XenDomainStateFlags.Dying) != 0));
        }

        [Theory]
        [InlineData("------", XenDomainState.Running)]
        [InlineData("r-----", XenDomainState.Running)]
        [InlineData("-b----", XenDomainState.Running)]
        [InlineData("--p---", XenDomainState.Paused)]
        [InlineData("---s--", XenDomainState.Halted)]
        [InlineData("---ss-", XenDomainState.Suspended)]
        [InlineData("---sc-", XenDomainState.Crashed)]
        [InlineData("---sr-", XenDomainState.Halted)]
        [InlineData("-b---d", XenDomainState.Dying)]
        [InlineData("--ps--", XenDomainState.Halted)]
        public void LifecycleStateFromXlFlags(string flags, XenDomainState state)
        {
            Assert.Equal(state, new XenDomain { StateFlags = flags }.State);
        }

        [Fact]
        public void ABackendsStateWinsOverTheFlags()
        {
            var d = new XenDomain { StateFlags = "-b----", State = XenDomainState.ShuttingDown };
            Assert.Equal(XenDomainState.ShuttingDown, d.State);
            Assert.Equal(XenDomainStateFlags.Blocked, d.Flags);
        }
    }
}
