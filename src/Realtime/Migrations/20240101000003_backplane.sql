-- Supacs only: backplane messages too large for a NOTIFY payload (8000 bytes) are passed through this table by id.
CREATE UNLOGGED TABLE IF NOT EXISTS realtime.supacs_backplane (
  id bigserial PRIMARY KEY,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
