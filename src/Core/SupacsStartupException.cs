namespace Supacs.Core;

/// <summary>A start-up failure with one clear sentence for the user; printed without a stack trace.</summary>
public sealed class SupacsStartupException(string message, Exception? inner = null) : Exception(message, inner);
