namespace Supacs.Realtime.Changes;

/// <summary>A table as pgoutput describes it, with type names and primary key resolved from the catalog.</summary>
internal sealed record RelationInfo(uint Id, string Schema, string Table, IReadOnlyList<ColumnInfo> Columns, IReadOnlyList<int> PrimaryKey)
{
    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++) if (Columns[i].Name == column) return i;
        return -1;
    }
}

/// <summary>A column: name, <c>typname</c> (as the payload's <c>columns[].type</c>) and <c>format_type</c> (for casts).</summary>
internal sealed record ColumnInfo(string Name, string TypeName, string SqlType);

/// <summary>
/// One row change from the WAL. Values are pgoutput's text forms (null = SQL NULL);
/// <see cref="Missing"/> marks unchanged TOAST values or columns absent from the old identity.
/// </summary>
internal sealed record RowChange(RelationInfo Relation, string Type, string?[]? New, bool[]? NewMissing, string?[]? Old, bool[]? OldMissing)
{
    /// <summary>The value used for filters: the new row, or the old identity for DELETE.</summary>
    public string? FilterValue(int column)
    {
        if (Type == "DELETE") return Old is null || OldMissing![column] ? null : Old[column];
        return New is null || NewMissing![column] ? null : New[column];
    }
}

/// <summary>A committed transaction's changes, in order, with its (32-bit) transaction id.</summary>
internal sealed record CommittedTransaction(DateTime CommitTimestamp, IReadOnlyList<RowChange> Changes, NpgsqlTypes.NpgsqlLogSequenceNumber EndLsn = default)
{
    public uint Xid { get; init; }
}
