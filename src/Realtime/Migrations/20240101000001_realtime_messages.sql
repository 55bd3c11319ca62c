-- realtime.messages (broadcast from the database and private-channel authorization), realtime.topic(),
-- realtime.send() and realtime.broadcast_changes(), with the names, columns and types Supabase Realtime creates.

CREATE TABLE IF NOT EXISTS realtime.messages (
  topic text NOT NULL,
  extension text NOT NULL,
  payload jsonb,
  event text,
  private boolean DEFAULT false,
  updated_at timestamp without time zone NOT NULL DEFAULT now(),
  inserted_at timestamp without time zone NOT NULL DEFAULT now(),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  binary_payload bytea,
  PRIMARY KEY (id, inserted_at)
) PARTITION BY RANGE (inserted_at);

ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON realtime.messages TO anon, authenticated, service_role;
GRANT ALL ON realtime.messages TO postgres;

-- The channel's sub-topic during an authorization check (set by the server as realtime.topic).
CREATE OR REPLACE FUNCTION realtime.topic() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('realtime.topic', true), '')::text $$;

-- Broadcast a message from SQL: stored in realtime.messages and streamed to subscribers of the topic.
CREATE OR REPLACE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  generated_id uuid := gen_random_uuid();
BEGIN
  BEGIN
    PERFORM set_config('realtime.topic', topic, true);
    INSERT INTO realtime.messages (id, payload, event, topic, private, extension)
    VALUES (generated_id, payload || jsonb_build_object('id', generated_id), event, topic, private, 'broadcast');
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'WarnSendingBroadcastMessage: %', SQLERRM;
  END;
END;
$$;

-- Row-trigger helper: broadcasts {record, old_record, operation, table, schema} to a topic.
CREATE OR REPLACE FUNCTION realtime.broadcast_changes(topic_name text, event_name text, operation text, table_name text,
  table_schema text, new record, old record, level text DEFAULT 'ROW')
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  row_data jsonb := '{}'::jsonb;
BEGIN
  IF level = 'STATEMENT' THEN
    RAISE EXCEPTION 'function can only be triggered for each row, not for each statement';
  END IF;
  IF operation IN ('INSERT', 'UPDATE', 'DELETE') THEN
    row_data := jsonb_build_object('old_record', old, 'record', new, 'operation', operation, 'table', table_name, 'schema', table_schema);
    PERFORM realtime.send(row_data, event_name, topic_name);
  ELSE
    RAISE EXCEPTION 'Unexpected operation type: %', operation;
  END IF;
END;
$$;

GRANT EXECUTE ON FUNCTION realtime.topic() TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION realtime.send(jsonb, text, text, boolean) TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION realtime.broadcast_changes(text, text, text, text, text, record, record, text) TO anon, authenticated, service_role;

-- Daily partitions: created ahead and dropped after 72 hours by realtime.supacs_maintain_partitions() (run at every start).
CREATE OR REPLACE FUNCTION realtime.supacs_maintain_partitions() RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  d date;
  part record;
BEGIN
  FOR d IN SELECT generate_series(current_date - 1, current_date + 3, interval '1 day')::date LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS realtime.%I PARTITION OF realtime.messages FOR VALUES FROM (%L) TO (%L)',
      'messages_' || to_char(d, 'YYYY_MM_DD'), d, d + 1);
  END LOOP;
  FOR part IN
    SELECT c.relname FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_namespace n ON n.oid = p.relnamespace
    WHERE n.nspname = 'realtime' AND p.relname = 'messages' AND c.relname ~ '^messages_\d{4}_\d{2}_\d{2}$'
      AND to_date(substr(c.relname, 10), 'YYYY_MM_DD') < current_date - 3
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS realtime.%I', part.relname);
  END LOOP;
END;
$$;
