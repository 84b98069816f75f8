using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends.Xl;

namespace XenPS.Tests
{
    /// <summary>A scripted ICommandRunner: records every call, answers from a handler (usually replaying captures).</summary>
    internal sealed class FakeRunner : ICommandRunner
    {
        private readonly Func<IReadOnlyList<string>, string?, CommandResult> _handler;

        public FakeRunner(Func<IReadOnlyList<string>, string?, CommandResult> handler) => _handler = handler;

        public List<(IReadOnlyList<string> Args, string? Stdin)> Calls { get; } = new();

        public string Description => "fake";

        public CommandResult Run(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Calls.Add((arguments.ToList(), standardInput));
            return _handler(arguments, standardInput);
        }

        public IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments) => new List<string>(arguments) { };

        public void Dispose() { }

        /// <summary>Is this the constant list script (xl list + marker + xl list -l)?</summary>
        public static bool IsList(IReadOnlyList<string> a) => a.Count >= 3 && a[0] == "sh" && a[2].Contains("list -l");
        public static bool IsCreate(IReadOnlyList<string> a) => a.Count >= 3 && a[0] == "sh" && a[2].Contains("create");
    }

    internal static class Fixture
    {
        public static string Dir => Path.Combine(AppContext.BaseDirectory, "Xl", "Fixtures");
        public static string Text(string name) => File.ReadAllText(Path.Combine(Dir, name));

        /// <summary>The result a capture recorded: NN-name.stdout/.stderr/.rc (missing parts are empty / 0).</summary>
        public static CommandResult Capture(string id)
        {
            string P(string ext) => Path.Combine(Dir, id + ext);
            string o = File.Exists(P(".stdout")) ? File.ReadAllText(P(".stdout")) : "";
            string e = File.Exists(P(".stderr")) ? File.ReadAllText(P(".stderr")) : "";
            int rc = File.Exists(P(".rc")) ? int.Parse(File.ReadAllText(P(".rc")).Trim()) : 0;
            return new CommandResult(rc, o, e);
        }

        /// <summary>What the list script prints: the table, the marker line, the JSON.</summary>
        public static CommandResult List(string table, string json) =>
            new CommandResult(0, table + "@@XENPS-XL-LIST-L@@\n" + json, "");

        public static CommandResult ListCapture(string tableId, string jsonId) =>
            List(Text(tableId + ".stdout"), Text(jsonId + ".stdout"));
    }
}
