-- Helper functions apps' policies and the API use, with upstream's names and signatures.
SET LOCAL ROLE supabase_storage_admin;

-- Folder parts of an object name: 'a/b/c.png' -> {a,b}.
CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE _parts text[];
BEGIN
  _parts := string_to_array(name, '/');
  RETURN _parts[1:array_length(_parts, 1) - 1];
END
$f$;

-- Last path part: 'a/b/c.png' -> 'c.png'.
CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE _parts text[];
BEGIN
  _parts := string_to_array(name, '/');
  RETURN _parts[array_length(_parts, 1)];
END
$f$;

-- Text after the last dot of the file name: 'a/b/c.tar.gz' -> 'gz'.
CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE _parts text[]; _filename text;
BEGIN
  _parts := string_to_array(name, '/');
  _filename := _parts[array_length(_parts, 1)];
  RETURN reverse(split_part(reverse(_filename), '.', 1));
END
$f$;

-- The operation the API is performing (e.g. storage.object.upload), for policies that restrict by it.
CREATE OR REPLACE FUNCTION storage.operation() RETURNS text
LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN current_setting('storage.operation', true);
END
$f$;

CREATE OR REPLACE FUNCTION storage.allow_only_operation(expected_operation text) RETURNS boolean
LANGUAGE sql STABLE AS $f$
  SELECT coalesce(current_setting('storage.operation', true), '') = expected_operation
$f$;

CREATE OR REPLACE FUNCTION storage.allow_any_operation(expected_operations text[]) RETURNS boolean
LANGUAGE sql STABLE AS $f$
  SELECT coalesce(current_setting('storage.operation', true), '') = ANY (expected_operations)
$f$;

CREATE OR REPLACE FUNCTION storage.get_size_by_bucket() RETURNS TABLE (size bigint, bucket_id text)
LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN QUERY
    SELECT sum((o.metadata ->> 'size')::bigint)::bigint AS size, o.bucket_id
    FROM storage.objects o GROUP BY o.bucket_id;
END
$f$;

-- Raises when a row with this name exists or the caller may not insert it (used as a permission probe).
CREATE OR REPLACE FUNCTION storage.can_insert_object(bucketid text, name text, owner uuid, metadata jsonb) RETURNS void
LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO storage.objects (bucket_id, name, owner, metadata) VALUES (bucketid, name, owner, metadata);
  -- Undo the probe row: raising aborts the caller's statement, so it must be caught by the caller's savepoint.
  RAISE sqlstate 'PT200' USING message = 'ROLLBACK', detail = 'rollback successful insert';
END
$f$;

-- List v1: one level under prefix (which ends with '/' unless empty); folders (id null) first, then files.
-- SECURITY INVOKER, so RLS on storage.objects decides which rows the caller sees.
CREATE OR REPLACE FUNCTION storage.search(prefix text, bucketname text, limits integer DEFAULT 100, levels integer DEFAULT 1,
    offsets integer DEFAULT 0, search text DEFAULT '', sortcolumn text DEFAULT 'name', sortorder text DEFAULT 'asc')
RETURNS TABLE (name text, id uuid, updated_at timestamptz, created_at timestamptz, last_accessed_at timestamptz, metadata jsonb)
LANGUAGE plpgsql STABLE AS $f$
DECLARE
  v_order text;
  v_dir text;
BEGIN
  v_order := CASE lower(sortcolumn)
    WHEN 'updated_at' THEN 'updated_at' WHEN 'created_at' THEN 'created_at'
    WHEN 'last_accessed_at' THEN 'last_accessed_at' ELSE 'name' END;
  v_dir := CASE lower(sortorder) WHEN 'desc' THEN 'desc' ELSE 'asc' END;
  RETURN QUERY EXECUTE
    'WITH folders AS (
       SELECT o.path_tokens[$1] AS folder FROM storage.objects o
       WHERE o.name ILIKE $2 || $3 || ''%'' AND o.bucket_id = $4 AND array_length(o.path_tokens, 1) <> $1
       GROUP BY folder ORDER BY folder ' || v_dir || '
     )
     (SELECT folder AS name, NULL::uuid AS id, NULL::timestamptz AS updated_at, NULL::timestamptz AS created_at,
             NULL::timestamptz AS last_accessed_at, NULL::jsonb AS metadata FROM folders)
     UNION ALL
     (SELECT o.path_tokens[$1] AS name, o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
      FROM storage.objects o
      WHERE o.name ILIKE $2 || $3 || ''%'' AND o.bucket_id = $4 AND array_length(o.path_tokens, 1) = $1
      ORDER BY ' || quote_ident(v_order) || ' ' || v_dir || ')
     LIMIT $5 OFFSET $6'
  USING levels, prefix, search, bucketname, limits, offsets;
END
$f$;

-- One level of keys under prefix, grouping deeper keys into their folder ('a/b/' for delimiter '/').
CREATE OR REPLACE FUNCTION storage.list_objects_with_delimiter(bucket_id text, prefix_param text, delimiter_param text,
    max_keys integer DEFAULT 100, start_after text DEFAULT '', next_token text DEFAULT '')
RETURNS TABLE (name text, id uuid, metadata jsonb, updated_at timestamptz)
LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN QUERY EXECUTE
    'SELECT DISTINCT ON (name COLLATE "C") * FROM (
       SELECT CASE WHEN position($2 IN substring(o.name FROM length($1) + 1)) > 0
                   THEN substring(o.name FROM 1 FOR length($1) + position($2 IN substring(o.name FROM length($1) + 1)))
                   ELSE o.name END AS name,
              CASE WHEN position($2 IN substring(o.name FROM length($1) + 1)) > 0 THEN NULL ELSE o.id END AS id,
              CASE WHEN position($2 IN substring(o.name FROM length($1) + 1)) > 0 THEN NULL ELSE o.metadata END AS metadata,
              CASE WHEN position($2 IN substring(o.name FROM length($1) + 1)) > 0 THEN NULL ELSE o.updated_at END AS updated_at
       FROM storage.objects o
       WHERE o.bucket_id = $5 AND o.name ILIKE $1 || ''%''
         AND CASE WHEN $6 <> '''' THEN o.name COLLATE "C" > $6 ELSE true END
         AND CASE WHEN $4 <> '''' THEN o.name COLLATE "C" > $4 ELSE true END
     ) s ORDER BY name COLLATE "C" LIMIT $3'
  USING prefix_param, delimiter_param, max_keys, next_token, bucket_id, start_after;
END
$f$;

CREATE OR REPLACE FUNCTION storage.list_multipart_uploads_with_delimiter(bucket_id text, prefix_param text, delimiter_param text,
    max_keys integer DEFAULT 100, next_key_token text DEFAULT '', next_upload_token text DEFAULT '')
RETURNS TABLE (key text, id text, created_at timestamptz)
LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN QUERY EXECUTE
    'SELECT DISTINCT ON (key COLLATE "C") * FROM (
       SELECT CASE WHEN position($2 IN substring(u.key FROM length($1) + 1)) > 0
                   THEN substring(u.key FROM 1 FOR length($1) + position($2 IN substring(u.key FROM length($1) + 1)))
                   ELSE u.key END AS key, u.id, u.created_at
       FROM storage.s3_multipart_uploads u
       WHERE u.bucket_id = $5 AND u.key ILIKE $1 || ''%''
         AND CASE WHEN $4 <> '''' AND $6 = '''' THEN u.key COLLATE "C" > $4 ELSE true END
         AND CASE WHEN $6 <> '''' THEN u.id COLLATE "C" > $6 ELSE true END
     ) s ORDER BY key COLLATE "C", created_at LIMIT $3'
  USING prefix_param, delimiter_param, max_keys, next_key_token, bucket_id, next_upload_token;
END
$f$;

-- updated_at maintenance and the bucket-name length rule.
CREATE OR REPLACE FUNCTION storage.update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$f$;

CREATE OR REPLACE FUNCTION storage.enforce_bucket_name_length() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  IF length(NEW.name) > 100 THEN
    RAISE EXCEPTION 'bucket name "%" is too long (% characters). Max is 100.', NEW.name, length(NEW.name);
  END IF;
  RETURN NEW;
END
$f$;

-- Deleting rows directly would orphan blobs: only the API, which sets storage.allow_delete_query, may delete.
CREATE OR REPLACE FUNCTION storage.protect_delete() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  IF coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' THEN
    RAISE EXCEPTION 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
      USING ERRCODE = '42501', HINT = 'This prevents accidental data loss from orphaned objects.';
  END IF;
  RETURN NULL;
END
$f$;

DROP TRIGGER IF EXISTS update_objects_updated_at ON storage.objects;
CREATE TRIGGER update_objects_updated_at BEFORE UPDATE ON storage.objects
  FOR EACH ROW EXECUTE FUNCTION storage.update_updated_at_column();
DROP TRIGGER IF EXISTS enforce_bucket_name_length_trigger ON storage.buckets;
CREATE TRIGGER enforce_bucket_name_length_trigger BEFORE INSERT OR UPDATE OF name ON storage.buckets
  FOR EACH ROW EXECUTE FUNCTION storage.enforce_bucket_name_length();
DROP TRIGGER IF EXISTS protect_objects_delete ON storage.objects;
CREATE TRIGGER protect_objects_delete BEFORE DELETE ON storage.objects
  FOR EACH STATEMENT EXECUTE FUNCTION storage.protect_delete();
DROP TRIGGER IF EXISTS protect_buckets_delete ON storage.buckets;
CREATE TRIGGER protect_buckets_delete BEFORE DELETE ON storage.buckets
  FOR EACH STATEMENT EXECUTE FUNCTION storage.protect_delete();

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA storage TO anon, authenticated, service_role, postgres;

RESET ROLE;
