-- The storage schema as Supabase Storage creates it: buckets, objects, S3 multipart state.
-- Same table, column and type names as upstream, written here from the documented schema.
SET LOCAL ROLE supabase_storage_admin;

DO $types$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 WHERE n.nspname = 'storage' AND t.typname = 'buckettype') THEN
    CREATE TYPE storage.buckettype AS ENUM ('STANDARD', 'ANALYTICS');
  END IF;
END
$types$;

CREATE TABLE IF NOT EXISTS storage.buckets (
  id text NOT NULL PRIMARY KEY,
  name text NOT NULL,
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  public boolean DEFAULT false,
  avif_autodetection boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text,
  type storage.buckettype NOT NULL DEFAULT 'STANDARD',
  versioning_status text DEFAULT 'DISABLED'
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets USING btree (name);

CREATE TABLE IF NOT EXISTS storage.objects (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  bucket_id text REFERENCES storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now(),
  metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text,
  owner_id text,
  user_metadata jsonb,
  archived_at timestamptz,
  is_delete_marker boolean DEFAULT false,
  is_versioned boolean DEFAULT false
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects USING btree (bucket_id, name);
CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects USING btree (name text_pattern_ops);
CREATE INDEX IF NOT EXISTS idx_objects_bucket_id_name ON storage.objects (bucket_id, name COLLATE "C");
CREATE INDEX IF NOT EXISTS idx_objects_lower_name ON storage.objects (bucket_id, lower(name) COLLATE "C");

CREATE TABLE IF NOT EXISTS storage.s3_multipart_uploads (
  id text NOT NULL PRIMARY KEY,
  in_progress_size bigint NOT NULL DEFAULT 0,
  upload_signature text NOT NULL,
  bucket_id text NOT NULL REFERENCES storage.buckets (id),
  key text COLLATE "C" NOT NULL,
  version text NOT NULL,
  owner_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  user_metadata jsonb,
  metadata jsonb
);
CREATE INDEX IF NOT EXISTS idx_multipart_uploads_list ON storage.s3_multipart_uploads (bucket_id, key, created_at);

CREATE TABLE IF NOT EXISTS storage.s3_multipart_uploads_parts (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  upload_id text NOT NULL REFERENCES storage.s3_multipart_uploads (id) ON DELETE CASCADE,
  size bigint NOT NULL DEFAULT 0,
  part_number integer NOT NULL,
  bucket_id text NOT NULL REFERENCES storage.buckets (id),
  key text COLLATE "C" NOT NULL,
  etag text NOT NULL,
  owner_id text,
  version text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.s3_multipart_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.s3_multipart_uploads_parts ENABLE ROW LEVEL SECURITY;

GRANT ALL ON storage.buckets, storage.objects TO anon, authenticated, service_role, postgres;
GRANT SELECT ON storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts TO anon, authenticated;
GRANT ALL ON storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts TO service_role, postgres;

RESET ROLE;
