-- Broadcast persistence: a stored client or REST broadcast (persist) carries when its replay ends. Rows from realtime.send()
-- leave it NULL (kept until their daily partition is dropped). Rows with expires_at were delivered live when sent, so the
-- database stream does not deliver them again.
ALTER TABLE realtime.messages ADD COLUMN IF NOT EXISTS expires_at timestamp without time zone;
