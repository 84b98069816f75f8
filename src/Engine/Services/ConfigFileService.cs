using System;
using System.IO;
using System.Text;
using System.Threading;
using XenPS.Config;

namespace XenPS.Services
{
    /// <summary>Why a config file could not be written; each has a stable error id.</summary>
    public enum ConfigFileProblem
    {
        /// <summary>The file exists and overwriting was not asked for (ConfigFileExists).</summary>
        Exists,
        /// <summary>The folder to write into does not exist (ParentFolderNotFound).</summary>
        FolderMissing,
        /// <summary>The config has no name to make a file name from (ConfigHasNoName).</summary>
        NoName,
        /// <summary>The domain name cannot be a file name (ConfigNameNotAFileName).</summary>
        NameNotAFileName,
        /// <summary>Writing failed; nothing was changed (ConfigFileWriteFailed).</summary>
        WriteFailed,
        /// <summary>The stored config file does not exist (ConfigFileNotFound).</summary>
        NotFound,
    }

    /// <summary>A config file could not be written; <see cref="Problem"/> says why. The target file is never half-written.</summary>
    public sealed class XenConfigFileException : XenPSException
    {
        public XenConfigFileException(ConfigFileProblem problem, string path, string message, Exception? inner = null)
            : base(message, inner, problem == ConfigFileProblem.NoName || problem == ConfigFileProblem.NameNotAFileName
                ? XenErrorReason.InvalidArgument : XenErrorReason.Unspecified)
        {
            Problem = problem;
            Path = path;
        }

        public ConfigFileProblem Problem { get; }
        public string Path { get; }

        public override string ErrorId => Problem switch
        {
            ConfigFileProblem.Exists => "ConfigFileExists",
            ConfigFileProblem.FolderMissing => "ParentFolderNotFound",
            ConfigFileProblem.NoName => "ConfigHasNoName",
            ConfigFileProblem.NameNotAFileName => "ConfigNameNotAFileName",
            ConfigFileProblem.NotFound => "ConfigFileNotFound",
            _ => "ConfigFileWriteFailed",
        };
    }

    /// <summary>
    /// Config files on disk: where a config goes in a folder, in which format, and writing it atomically (a temporary
    /// file in the same folder, flushed to disk, then renamed over the target), so a reader never sees half a config.
    /// </summary>
    public sealed class ConfigFileService
    {
        /// <summary>The format for <paramref name="path"/>: the one asked for, else YAML for .yaml/.yml, else xl.</summary>
        public static ConfigFormat FormatFor(string path, ConfigFormat requested)
        {
            if (requested != ConfigFormat.Auto) return requested;
            string ext = Path.GetExtension(path).ToLowerInvariant();
            return ext == ".yaml" || ext == ".yml" ? ConfigFormat.Yaml : ConfigFormat.Xl;
        }

        /// <summary>The file a config gets in a folder: its name plus .cfg (or .yaml).</summary>
        public static string FileIn(string folder, XenDomainConfig config, ConfigFormat format)
        {
            if (string.IsNullOrEmpty(config.Name))
                throw new XenConfigFileException(ConfigFileProblem.NoName, folder,
                    "The config has no name, so no file name can be made for it in a folder. Give -Path a file name.");
            string n = config.Name!;
            if (n == "." || n == ".." || n.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || n.Contains('/') || n.Contains('\\'))
                throw new XenConfigFileException(ConfigFileProblem.NameNotAFileName, folder,
                    $"The domain name '{n}' cannot be used as a file name. Give -Path a file name instead of a folder.");
            return Path.Combine(folder, n + (format == ConfigFormat.Yaml ? ".yaml" : ".cfg"));
        }

        /// <summary>The config as text in <paramref name="format"/> (XenConfigException when a value cannot be written in it).</summary>
        public static string Render(XenDomainConfig config, ConfigFormat format) =>
            format == ConfigFormat.Yaml ? YamlConfigWriter.Write(config) : XlConfigWriter.Write(config);

        /// <summary>Checks what <see cref="Write"/> would refuse, before anything is asked or written.</summary>
        public static void CheckTarget(string path, bool overwrite)
        {
            if (File.Exists(path) && !overwrite)
                throw new XenConfigFileException(ConfigFileProblem.Exists, path, $"The file '{path}' already exists. Use -Force to overwrite it.");
            string? dir = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
                throw new XenConfigFileException(ConfigFileProblem.FolderMissing, path, $"The folder '{dir}' does not exist. Create it first.");
        }

        /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically; on any failure the target is as it was.</summary>
        public static void Write(string path, string text, bool overwrite, CancellationToken ct)
        {
            CheckTarget(path, overwrite);
            ct.ThrowIfCancellationRequested();
            string dir = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
            string temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    var bytes = new UTF8Encoding(false).GetBytes(text);
                    fs.Write(bytes, 0, bytes.Length);
                    fs.Flush(flushToDisk: true);
                }
                ct.ThrowIfCancellationRequested();
                File.Move(temp, path, overwrite);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is OperationCanceledException)
            {
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                if (e is OperationCanceledException) throw;
                if (e is IOException && File.Exists(path) && !overwrite)
                    throw new XenConfigFileException(ConfigFileProblem.Exists, path, $"The file '{path}' already exists. Use -Force to overwrite it.", e);
                throw new XenConfigFileException(ConfigFileProblem.WriteFailed, path, $"Writing '{path}' failed: {e.Message} Nothing was changed.", e);
            }
        }
    }
}
