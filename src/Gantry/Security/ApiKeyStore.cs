using System.Security.Cryptography;
using System.Text;

namespace Gantry.Security;

/// <summary>
/// The configured API keys, read from the key file and reread when it changes. A file system watcher marks the
/// file as changed, and a lookup also compares the file's digest at most once per <see cref="RecheckInterval"/>,
/// which catches changes the watcher misses, such as a Kubernetes secret whose symbolic link is swapped.
/// A reread that fails keeps the previous keys and logs the problem.
/// </summary>
public sealed partial class ApiKeyStore : IDisposable
{
    /// <summary>The longest a lookup trusts the loaded keys before it compares the file's digest again.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly FileSystemWatcher? _watcher;
    private readonly Lock _reloadLock = new();
    private volatile IReadOnlyList<ApiKey> _keys;
    private byte[] _fileDigest;
    private long _nextCheck;
    private volatile bool _changed;

    private ApiKeyStore(string path, IReadOnlyList<ApiKey> keys, byte[] fileDigest, ILogger logger, TimeProvider time)
    {
        _path = path;
        _keys = keys;
        _fileDigest = fileDigest;
        _logger = logger;
        _time = time;
        _nextCheck = time.GetTimestamp() + ToTicks(RecheckInterval);
        var directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && Directory.Exists(directory))
        {
            _watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size
                    | NotifyFilters.CreationTime | NotifyFilters.DirectoryName,
            };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.Deleted += OnFileEvent;
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>The key file's full path.</summary>
    public string FilePath => _path;

    /// <summary>The keys loaded now.</summary>
    public IReadOnlyList<ApiKey> Keys
    {
        get
        {
            ReloadIfChanged();
            return _keys;
        }
    }

    /// <summary>Loads the key file, or returns null with the problems when it is missing or invalid.</summary>
    public static ApiKeyStore? Open(string path, ILogger logger, TimeProvider time, out IReadOnlyList<string> errors)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var keys = Read(fullPath, out var digest, out errors);
        return keys is null ? null : new ApiKeyStore(fullPath, keys, digest!, logger, time);
    }

    /// <summary>
    /// Finds the key whose SHA-256 equals that of <paramref name="presented"/>. Every configured hash is compared
    /// in constant time, and the loop does not stop at a match, so the time taken does not reveal which
    /// digest bytes matched.
    /// </summary>
    public ApiKey? Find(string presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var byteCount = Encoding.UTF8.GetByteCount(presented);
        var bytes = byteCount <= 256 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(presented, bytes);
        SHA256.HashData(bytes, hash);
        ApiKey? match = null;
        foreach (var key in Keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, key.Sha256))
            {
                match = key;
            }
        }

        return match;
    }

    /// <inheritdoc />
    public void Dispose() => _watcher?.Dispose();

    private void OnFileEvent(object sender, FileSystemEventArgs e) => _changed = true;

    private void ReloadIfChanged()
    {
        var now = _time.GetTimestamp();
        if (!_changed && now < Volatile.Read(ref _nextCheck))
        {
            return;
        }

        lock (_reloadLock)
        {
            if (!_changed && now < _nextCheck)
            {
                return;
            }

            _changed = false;
            _nextCheck = now + ToTicks(RecheckInterval);
            byte[] contents;
            try
            {
                contents = ReadBounded(_path);
            }
            catch (IOException exception)
            {
                Log.ReloadFailed(_logger, _path, exception.Message);
                return;
            }
            catch (UnauthorizedAccessException exception)
            {
                Log.ReloadFailed(_logger, _path, exception.Message);
                return;
            }

            var digest = SHA256.HashData(contents);
            if (digest.AsSpan().SequenceEqual(_fileDigest))
            {
                return;
            }

            var keys = ApiKeyFile.Parse(contents, out var errors);
            if (keys is null)
            {
                Log.ReloadFailed(_logger, _path, string.Join(" ", errors));
                return;
            }

            _fileDigest = digest;
            _keys = keys;
            Log.Reloaded(_logger, _path, keys.Count);
        }
    }

    private static IReadOnlyList<ApiKey>? Read(string path, out byte[]? digest, out IReadOnlyList<string> errors)
    {
        digest = null;
        byte[] contents;
        try
        {
            contents = ReadBounded(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            errors = [$"--api-keys: cannot read '{path}': {exception.Message}"];
            return null;
        }

        var keys = ApiKeyFile.Parse(contents, out var problems);
        errors = problems.Select(p => $"--api-keys: '{path}': {p}").ToList();
        digest = SHA256.HashData(contents);
        return keys;
    }

    private static byte[] ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[Math.Min(stream.Length, ApiKeyFile.MaxBytes) + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        if (total == buffer.Length)
        {
            // The file grew while it was read, or is over the limit: read it again on the next lookup.
            throw new IOException($"the file changed while it was read, or is larger than {ApiKeyFile.MaxBytes} bytes.");
        }

        if (total > ApiKeyFile.MaxBytes)
        {
            throw new IOException($"the file is larger than {ApiKeyFile.MaxBytes} bytes.");
        }

        return buffer[..total];
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Information, "Reloaded {KeyCount} API keys from {Path}", EventName = "ApiKeysReloaded")]
        public static partial void Reloaded(ILogger logger, string path, int keyCount);

        [LoggerMessage(6002, LogLevel.Warning, "Could not reload the API keys from {Path}; the previous keys stay in use: {Reason}",
            EventName = "ApiKeysReloadFailed")]
        public static partial void ReloadFailed(ILogger logger, string path, string reason);
    }
}
