using Xunit;

namespace XenPS.Tests
{
    public class DomainStateTests
    {
        [Theory]
        [InlineData("------", XenDomainState.None, XenShutdownReason.None)]
        [InlineData("r-----", XenDomainState.Running, XenShutdownReason.None)]
        [InlineData("-b----", XenDomainState.Blocked, XenShutdownReason.None)]
        [InlineData("--p---", XenDomainState.Paused, XenShutdownReason.None)]
        [InlineData("---s--", XenDomainState.Shutdown, XenShutdownReason.Poweroff)]
        [InlineData("---sc-", XenDomainState.Shutdown | XenDomainState.Crashed, XenShutdownReason.Crash)]
        [InlineData("---sr-", XenDomainState.Shutdown, XenShutdownReason.Reboot)]
        [InlineData("-b---d", XenDomainState.Blocked | XenDomainState.Dying, XenShutdownReason.None)]
        public void DecodesXlStateColumn(string flags, XenDomainState state, XenShutdownReason reason)
        {
            Assert.Equal(state, XenDomain.DecodeState(flags));
            Assert.Equal(reason, XenDomain.DecodeReason(flags));
            bool shut = (state & XenDomainState.Shutdown) != 0;
            Assert.Equal(flags, XenDomain.EncodeState((state & XenDomainState.Running) != 0, (state & XenDomainState.Blocked) != 0,
                (state & XenDomainState.Paused) != 0, shut, reason, (state & XenDomainState.Dying) != 0));
        }
    }
}
