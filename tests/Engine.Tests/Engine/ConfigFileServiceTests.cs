using System;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Config;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    public class ConfigFileServiceTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "xenps-cfgfile-" + Guid.NewGuid().ToString("N"));

        public ConfigFileServiceTests() => Directory.CreateDirectory(_dir);

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private static XenDomainConfig Web() => DomainConfigReader.LoadText("name = \"web\"\nmemory = 512\n", "web.cfg");

        [Fact]
        public void WritesIntoAFolderUnderTheDomainsNameAndLeavesNoTemporaryFile()
        {
            string target = ConfigFileService.FileIn(_dir, Web(), ConfigFormat.Xl);
            Assert.Equal(Path.Combine(_dir, "web.cfg"), target);
            ConfigFileService.Write(target, ConfigFileService.Render(Web(), ConfigFormat.Xl), overwrite: false, CancellationToken.None);
            Assert.Equal("web", DomainConfigReader.Load(target).Name);
            Assert.Equal(new[] { "web.cfg" }, Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray());
        }

        [Fact]
        public void AnExistingFileIsNotOverwrittenWithoutAskingAndStaysAsItWas()
        {
            string target = Path.Combine(_dir, "web.cfg");
            File.WriteAllText(target, "name = \"old\"\n");
            var e = Assert.Throws<XenConfigFileException>(() => ConfigFileService.Write(target, "name = \"new\"\n", overwrite: false, CancellationToken.None));
            Assert.Equal(ConfigFileProblem.Exists, e.Problem);
            Assert.Equal("ConfigFileExists", e.ErrorId);
            Assert.Equal("name = \"old\"\n", File.ReadAllText(target));
            ConfigFileService.Write(target, "name = \"new\"\n", overwrite: true, CancellationToken.None);
            Assert.Equal("name = \"new\"\n", File.ReadAllText(target));
        }

        [Fact]
        public void AFailedOrCancelledWriteLeavesTheOldFileWholeAndNoTemporaryFile()
        {
            string target = Path.Combine(_dir, "web.cfg");
            File.WriteAllText(target, "name = \"old\"\n");
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => ConfigFileService.Write(target, "name = \"new\"\n", overwrite: true, cts.Token));
            Assert.Equal("name = \"old\"\n", File.ReadAllText(target));
            var missing = Assert.Throws<XenConfigFileException>(() =>
                ConfigFileService.Write(Path.Combine(_dir, "nosuch", "web.cfg"), "x", overwrite: false, CancellationToken.None));
            Assert.Equal("ParentFolderNotFound", missing.ErrorId);
            Assert.Equal(new[] { "web.cfg" }, Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray());
        }

        [Theory]
        [InlineData("..")]
        [InlineData("a/b")]
        public void ANameThatIsNoFileNameIsRefused(string name)
        {
            var c = new XenDomainConfig();
            c.Set("name", name);
            Assert.Equal(ConfigFileProblem.NameNotAFileName, Assert.Throws<XenConfigFileException>(() => ConfigFileService.FileIn(_dir, c, ConfigFormat.Xl)).Problem);
        }
    }
}
