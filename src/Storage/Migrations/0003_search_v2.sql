-- Upstream's keyset listing functions: storage.search_v2 (list-v2's SQL entry point) with its helpers
-- storage.get_common_prefix and storage.search_by_timestamp; names, signatures and result columns as
-- Supabase Storage defines them, bodies written here. SECURITY INVOKER: RLS on storage.objects applies.

-- The folder part of p_key one level below p_prefix ('a/b/' for key 'a/b/c.txt' under 'a/'), or NULL for a file.
CREATE OR REPLACE FUNCTION storage.get_common_prefix(p_key text, p_prefix text, p_delimiter text)
RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT CASE
    WHEN p_delimiter = '' OR position(p_delimiter IN substr(p_key, length(p_prefix) + 1)) = 0 THEN NULL
    ELSE left(p_key, length(p_prefix) + position(p_delimiter IN substr(p_key, length(p_prefix) + 1)) + length(p_delimiter) - 1)
  END
$f$;

-- One level under p_prefix ordered by a timestamp column, then name; folders carry their oldest object's created_at.
-- The cursor is (p_sort_column_after, p_start_after): rows strictly after it in the sort order.
CREATE OR REPLACE FUNCTION storage.search_by_timestamp(p_prefix text, p_bucket_id text, p_limit integer, p_level integer,
    p_start_after text, p_sort_order text, p_sort_column text, p_sort_column_after text)
RETURNS TABLE (key text, name text, id uuid, updated_at timestamptz, created_at timestamptz, last_accessed_at timestamptz, metadata jsonb)
LANGUAGE plpgsql STABLE AS $f$
DECLARE
  v_col text := CASE lower(p_sort_column) WHEN 'updated_at' THEN 'updated_at' ELSE 'created_at' END;
  v_desc boolean := lower(coalesce(p_sort_order, 'asc')) = 'desc';
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH under AS (
      SELECT o.*, storage.get_common_prefix(o.name, $1, '/') AS folder
      FROM storage.objects o
      WHERE o.bucket_id = $2 AND o.name COLLATE "C" LIKE replace(replace(replace($1, '\', '\\'), '%%', '\%%'), '_', '\_') || '%%'
    ), entries AS (
      SELECT rtrim(u.folder, '/') AS name, NULL::uuid AS id, min(u.created_at) AS updated_at, min(u.created_at) AS created_at,
             NULL::timestamptz AS last_accessed_at, NULL::jsonb AS metadata
      FROM under u WHERE u.folder IS NOT NULL GROUP BY u.folder
      UNION ALL
      SELECT u.name, u.id, u.updated_at, u.created_at, u.last_accessed_at, u.metadata FROM under u WHERE u.folder IS NULL
    )
    SELECT split_part(e.name, '/', $3), e.name, e.id, e.updated_at, e.created_at, e.last_accessed_at, e.metadata
    FROM entries e
    WHERE coalesce($5, '') = ''
       OR (date_trunc('milliseconds', coalesce(e.%1$I, 'epoch')), e.name COLLATE "C")
          %2$s (coalesce(nullif($6, '')::timestamptz, 'epoch'), $5 COLLATE "C")
    ORDER BY date_trunc('milliseconds', coalesce(e.%1$I, 'epoch')) %3$s, e.name COLLATE "C" %3$s
    LIMIT $4
  $q$, v_col, CASE WHEN v_desc THEN '<' ELSE '>' END, CASE WHEN v_desc THEN 'DESC' ELSE 'ASC' END)
  USING coalesce(p_prefix, ''), p_bucket_id, p_level, p_limit, p_start_after, p_sort_column_after;
END
$f$;

-- One level under prefix, at most 1500 rows: by name (folders as 'a/b/', keyset after start_after) or by
-- updated_at/created_at through storage.search_by_timestamp.
CREATE OR REPLACE FUNCTION storage.search_v2(prefix text, bucket_name text, limits integer DEFAULT 100, levels integer DEFAULT 1,
    start_after text DEFAULT '', sort_order text DEFAULT 'asc', sort_column text DEFAULT 'name', sort_column_after text DEFAULT '')
RETURNS TABLE (key text, name text, id uuid, updated_at timestamptz, created_at timestamptz, last_accessed_at timestamptz, metadata jsonb)
LANGUAGE plpgsql STABLE AS $f$
DECLARE
  v_limit integer := least(coalesce(limits, 100), 1500);
  v_desc boolean := lower(coalesce(sort_order, 'asc')) = 'desc';
  v_col text := lower(coalesce(sort_column, 'name'));
BEGIN
  IF v_col IN ('updated_at', 'created_at') THEN
    RETURN QUERY SELECT * FROM storage.search_by_timestamp(prefix, bucket_name, v_limit, levels, start_after,
      CASE WHEN v_desc THEN 'desc' ELSE 'asc' END, v_col, sort_column_after);
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format($q$
    SELECT split_part(e.name, '/', $3), e.name, e.id, e.updated_at, e.created_at, e.last_accessed_at, e.metadata FROM (
      SELECT DISTINCT ON (coalesce(f, o.name) COLLATE "C")
             coalesce(f, o.name) AS name,
             CASE WHEN f IS NULL THEN o.id END AS id,
             CASE WHEN f IS NULL THEN o.updated_at END AS updated_at,
             CASE WHEN f IS NULL THEN o.created_at END AS created_at,
             CASE WHEN f IS NULL THEN o.last_accessed_at END AS last_accessed_at,
             CASE WHEN f IS NULL THEN o.metadata END AS metadata
      FROM storage.objects o, LATERAL storage.get_common_prefix(o.name, $1, '/') AS f
      WHERE o.bucket_id = $2 AND o.name COLLATE "C" LIKE replace(replace(replace($1, '\', '\\'), '%%', '\%%'), '_', '\_') || '%%'
    ) e
    WHERE coalesce($5, '') = '' OR e.name COLLATE "C" %1$s $5 COLLATE "C"
    ORDER BY e.name COLLATE "C" %2$s
    LIMIT $4
  $q$, CASE WHEN v_desc THEN '<' ELSE '>' END, CASE WHEN v_desc THEN 'DESC' ELSE 'ASC' END)
  USING coalesce(prefix, ''), bucket_name, levels, v_limit, start_after;
END
$f$;

GRANT EXECUTE ON FUNCTION storage.get_common_prefix(text, text, text), storage.search_by_timestamp(text, text, integer, integer, text, text, text, text),
  storage.search_v2(text, text, integer, integer, text, text, text, text) TO anon, authenticated, service_role, postgres;
