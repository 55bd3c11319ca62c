-- Broadcast from the database: inserts into realtime.messages are streamed (as the parent table) to subscribers.
DO $pub$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime_messages_publication') THEN
    CREATE PUBLICATION supabase_realtime_messages_publication FOR TABLE realtime.messages
      WITH (publish = 'insert', publish_via_partition_root = true);
  END IF;
END
$pub$;
