// TEMPORARY: stands in for classes being written on other branches; deleted when they merge.
using System;

namespace XenPS.Config
{
    public static class XlConfigWriter { public static string Write(XenDomainConfig config) => throw new NotImplementedException(); }
}

