using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;

namespace Supacs.Rest.Config;

/// <summary>
/// A read-only list equal to another with the same items in the same order, so a record holding it
/// (<see cref="RestSettings"/>) compares by value: a configuration reload tells a change with <c>==</c>.
/// </summary>
[CollectionBuilder(typeof(ValueList), nameof(ValueList.Create))]
internal sealed class ValueList<T>(IList<T> items) : ReadOnlyCollection<T>(items), IEquatable<ValueList<T>>
{
    public bool Equals(ValueList<T>? other) => other is not null && (ReferenceEquals(this, other) || this.SequenceEqual(other));

    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in this) hash.Add(item);
        return hash.ToHashCode();
    }
}

internal static class ValueList
{
    public static ValueList<T> Create<T>(ReadOnlySpan<T> items) => new(items.ToArray());

    public static ValueList<T> From<T>(IEnumerable<T> items) => new(items.ToArray());
}

/// <summary>A read-only dictionary equal to another with the same keys mapped to equal values (see <see cref="ValueList{T}"/>).</summary>
internal sealed class ValueDictionary<TKey, TValue>(IDictionary<TKey, TValue> items)
    : ReadOnlyDictionary<TKey, TValue>(items), IEquatable<ValueDictionary<TKey, TValue>>
    where TKey : notnull
{
    public static new ValueDictionary<TKey, TValue> Empty { get; } = new(new Dictionary<TKey, TValue>());

    public bool Equals(ValueDictionary<TKey, TValue>? other) =>
        other is not null && (ReferenceEquals(this, other) || (Count == other.Count
            && this.All(kv => other.TryGetValue(kv.Key, out var v) && EqualityComparer<TValue>.Default.Equals(kv.Value, v))));

    public override bool Equals(object? obj) => Equals(obj as ValueDictionary<TKey, TValue>);

    public override int GetHashCode()
    {
        var hash = 0;
        foreach (var (key, value) in this) hash ^= HashCode.Combine(key, value); // order-independent
        return hash;
    }
}
