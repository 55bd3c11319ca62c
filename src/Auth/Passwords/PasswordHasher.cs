using System.Security.Cryptography;
using System.Text;
using Supacs.Auth.Config;
using Supacs.Auth.Http;

namespace Supacs.Auth.Passwords;

/// <summary>
/// bcrypt at cost 10 as GoTrue uses. Unknown users are checked against a dummy hash so a failed login costs
/// the same time whether or not the account exists (GoTrue leaks this, auth #2223).
/// </summary>
internal static class PasswordHasher
{
    public const int Cost = 10;

    private static readonly Lazy<string> DummyHash = new(() => BCrypt.Net.BCrypt.HashPassword(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), Cost));

    public static string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, Cost);

    /// <summary>
    /// At most one bcrypt per core at a time, process-wide (cores are a process resource, not a project one). A hash is
    /// ~80 ms of pure CPU: running more of them than cores only adds context switches and cache refills, and
    /// blocks thread-pool threads the rest of the request pipeline needs; queued sign-ins wait without a thread.
    /// </summary>
    private static readonly SemaphoreSlim HashGate = new(Environment.ProcessorCount, Environment.ProcessorCount);

    /// <summary><see cref="Verify"/> through the per-core gate.</summary>
    public static async Task<bool> VerifyAsync(string password, string? hash, CancellationToken ct)
    {
        await HashGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return Verify(password, hash);
        }
        finally
        {
            HashGate.Release();
        }
    }

    /// <summary>True when the password matches; always does one bcrypt computation.</summary>
    public static bool Verify(string password, string? hash)
    {
        if (string.IsNullOrEmpty(hash) || !hash.StartsWith("$2", StringComparison.Ordinal))
        {
            BCrypt.Net.BCrypt.Verify(password, DummyHash.Value);
            return false;
        }
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }

    /// <summary>Length and required-character policy; 422 weak_password with GoTrue's reasons.</summary>
    public static void CheckPolicy(AuthOptions options, string password)
    {
        var reasons = new List<string>();
        var messages = new List<string>();
        if (password.Length < options.PasswordMinLength)
        {
            reasons.Add("length");
            messages.Add($"Password should be at least {options.PasswordMinLength} characters.");
        }
        if (options.PasswordRequiredCharacters.Count > 0 && !options.PasswordRequiredCharacters.All(set => password.Any(set.Contains)))
        {
            reasons.Add("characters");
            messages.Add("Password should contain at least one character of each: " + string.Join(", ", options.PasswordRequiredCharacters.Select(s => "\"" + s + "\"")) + ".");
        }
        if (Encoding.UTF8.GetByteCount(password) > 72)
            throw AuthException.Validation("Password cannot be longer than 72 characters");
        if (reasons.Count > 0)
            throw new AuthException(422, "weak_password", string.Join(" ", messages)) { WeakPasswordReasons = reasons };
    }

    /// <summary>Constant-time string equality for tokens and codes.</summary>
    public static bool SecureEquals(string? a, string? b)
    {
        if (a is null || b is null) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
    }
}
