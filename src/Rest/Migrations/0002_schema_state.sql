-- The DDL version becomes a row updated by the event triggers: unlike a sequence it is transactional, so a
-- cache load reading it in the same snapshot as the catalog can tell exactly which DDL it has seen.
CREATE TABLE IF NOT EXISTS supacs_rest.schema_state (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  version bigint NOT NULL DEFAULT 0
);
INSERT INTO supacs_rest.schema_state (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE OR REPLACE FUNCTION extensions.pgrst_ddl_watch() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    IF cmd.schema_name IS DISTINCT FROM 'pg_temp' AND cmd.schema_name NOT LIKE 'pg_temp%' THEN
      BEGIN
        UPDATE supacs_rest.schema_state SET version = version + 1 WHERE id = 1;
      EXCEPTION WHEN undefined_table OR invalid_schema_name THEN
        NULL;
      END;
      NOTIFY pgrst, 'reload schema';
      RETURN;
    END IF;
  END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION extensions.pgrst_drop_watch() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  obj record;
BEGIN
  FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
    IF NOT obj.is_temporary THEN
      BEGIN
        UPDATE supacs_rest.schema_state SET version = version + 1 WHERE id = 1;
      EXCEPTION WHEN undefined_table OR invalid_schema_name THEN
        NULL;
      END;
      NOTIFY pgrst, 'reload schema';
      RETURN;
    END IF;
  END LOOP;
END;
$$;

DROP SEQUENCE IF EXISTS supacs_rest.schema_version;
