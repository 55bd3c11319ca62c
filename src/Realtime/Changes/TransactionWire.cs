using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Supacs.Realtime.Changes;

/// <summary>
/// A committed transaction as JSON for the backplane, from the node that streams the slot to the others: the relations it
/// touches (columns with types, primary key) and each change's values in pgoutput's text form (null = SQL NULL) with the
/// "missing" flags (unchanged TOAST, columns outside the old identity).
/// </summary>
internal static class TransactionWire
{
    public static string Write(CommittedTransaction tx, string node, string kind)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("n", node);
            w.WriteString("k", kind);
            w.WriteNumber("ts", tx.CommitTimestamp.ToUniversalTime().Ticks);
            w.WriteNumber("xid", tx.Xid);
            w.WritePropertyName("r");
            w.WriteStartArray();
            var seen = new HashSet<uint>();
            foreach (var change in tx.Changes)
            {
                var r = change.Relation;
                if (!seen.Add(r.Id)) continue;
                w.WriteStartObject();
                w.WriteNumber("id", r.Id);
                w.WriteString("s", r.Schema);
                w.WriteString("t", r.Table);
                w.WritePropertyName("c");
                w.WriteStartArray();
                foreach (var c in r.Columns)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(c.Name);
                    w.WriteStringValue(c.TypeName);
                    w.WriteStringValue(c.SqlType);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WritePropertyName("pk");
                w.WriteStartArray();
                foreach (var k in r.PrimaryKey) w.WriteNumberValue(k);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WritePropertyName("c");
            w.WriteStartArray();
            foreach (var change in tx.Changes)
            {
                w.WriteStartObject();
                w.WriteNumber("r", change.Relation.Id);
                w.WriteString("y", change.Type);
                WriteRow(w, "nv", "nm", change.New, change.NewMissing);
                WriteRow(w, "ov", "om", change.Old, change.OldMissing);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteRow(Utf8JsonWriter w, string valuesName, string missingName, string?[]? values, bool[]? missing)
    {
        if (values is null) return;
        w.WritePropertyName(valuesName);
        w.WriteStartArray();
        foreach (var v in values)
        {
            if (v is null) w.WriteNullValue();
            else w.WriteStringValue(v);
        }
        w.WriteEndArray();
        w.WritePropertyName(missingName);
        w.WriteStartArray();
        foreach (var m in missing!) w.WriteBooleanValue(m);
        w.WriteEndArray();
    }

    public static CommittedTransaction Read(JsonElement root)
    {
        var relations = new Dictionary<uint, RelationInfo>();
        foreach (var r in root.GetProperty("r").EnumerateArray())
        {
            var columns = r.GetProperty("c").EnumerateArray()
                .Select(c => new ColumnInfo(c[0].GetString()!, c[1].GetString()!, c[2].GetString()!)).ToArray();
            var pk = r.GetProperty("pk").EnumerateArray().Select(k => k.GetInt32()).ToArray();
            var id = r.GetProperty("id").GetUInt32();
            relations[id] = new RelationInfo(id, r.GetProperty("s").GetString()!, r.GetProperty("t").GetString()!, columns, pk);
        }
        var changes = new List<RowChange>();
        foreach (var c in root.GetProperty("c").EnumerateArray())
        {
            var (nv, nm) = ReadRow(c, "nv", "nm");
            var (ov, om) = ReadRow(c, "ov", "om");
            changes.Add(new RowChange(relations[c.GetProperty("r").GetUInt32()], c.GetProperty("y").GetString()!, nv, nm, ov, om));
        }
        return new CommittedTransaction(new DateTime(root.GetProperty("ts").GetInt64(), DateTimeKind.Utc), changes)
        {
            Xid = root.TryGetProperty("xid", out var xid) ? xid.GetUInt32() : 0,
        };
    }

    private static (string?[]?, bool[]?) ReadRow(JsonElement change, string valuesName, string missingName)
    {
        if (!change.TryGetProperty(valuesName, out var values)) return (null, null);
        return (values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString()).ToArray(),
            change.GetProperty(missingName).EnumerateArray().Select(m => m.GetBoolean()).ToArray());
    }
}
