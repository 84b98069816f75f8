namespace XenPS.Backends.Xl
{
    /// <summary>xl over ssh measures its own connection (each ssh round trip, reconnects); local xl does not.</summary>
    public sealed partial class XlBackend : IXenConnectionHealthSource
    {
        public XenConnectionHealth? Health => (_runner as IXenConnectionHealthSource)?.Health;
    }
}
