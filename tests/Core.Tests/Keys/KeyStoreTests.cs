using Supacs.Core.Keys;

namespace Supacs.Core.Tests.Keys;

public sealed class KeyStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "supacs-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Generates_a_secret_once_and_keeps_it_private()
    {
        var first = KeyStore.Load(_dir, _ => null);
        var second = KeyStore.Load(_dir, _ => null);
        Assert.Equal(first.Secret, second.Secret);
        Assert.Equal(64, first.Secret.Length);
        var mode = File.GetUnixFileMode(Path.Combine(_dir, KeyStore.FileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public void Environment_wins_over_the_stored_secret()
    {
        KeyStore.Load(_dir, _ => null);
        const string secret = "an-env-secret-that-is-long-enough-for-hs256";
        var keys = KeyStore.Load(_dir, name => name == "JWT_SECRET" ? secret : null);
        Assert.Equal(secret, keys.Secret);
    }

    [Fact]
    public void Given_api_keys_are_used_as_they_are()
    {
        var keys = KeyStore.Load(_dir, name => name switch { "ANON_KEY" => "given-anon", "SERVICE_ROLE_KEY" => "given-service", _ => null });
        Assert.Equal("given-anon", keys.AnonKey);
        Assert.Equal("given-service", keys.ServiceRoleKey);
    }
}
