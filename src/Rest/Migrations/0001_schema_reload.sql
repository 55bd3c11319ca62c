-- Reload the REST schema cache after DDL: the event triggers Supabase installs (extensions.pgrst_ddl_watch /
-- pgrst_drop_watch) NOTIFY pgrst, and also bump a sequence so a request that misses a relation can tell
-- whether the cache is stale before the notification arrives.
CREATE SEQUENCE IF NOT EXISTS supacs_rest.schema_version;
GRANT USAGE ON SCHEMA supacs_rest TO authenticator;
GRANT SELECT ON supacs_rest.schema_version TO authenticator;

CREATE OR REPLACE FUNCTION extensions.pgrst_ddl_watch() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    IF cmd.schema_name IS DISTINCT FROM 'pg_temp' AND cmd.schema_name NOT LIKE 'pg_temp%' THEN
      PERFORM nextval('supacs_rest.schema_version');
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
      PERFORM nextval('supacs_rest.schema_version');
      NOTIFY pgrst, 'reload schema';
      RETURN;
    END IF;
  END LOOP;
END;
$$;

DROP EVENT TRIGGER IF EXISTS pgrst_ddl_watch;
CREATE EVENT TRIGGER pgrst_ddl_watch ON ddl_command_end EXECUTE FUNCTION extensions.pgrst_ddl_watch();
DROP EVENT TRIGGER IF EXISTS pgrst_drop_watch;
CREATE EVENT TRIGGER pgrst_drop_watch ON sql_drop EXECUTE FUNCTION extensions.pgrst_drop_watch();
