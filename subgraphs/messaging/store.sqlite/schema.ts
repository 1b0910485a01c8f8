/** The messaging database, one migration per schema version. */
export const messagingMigrations = [
  `
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    -- 'userA|userB' (sorted) for direct conversations: one per pair.
    direct_key TEXT UNIQUE,
    mls_group_id BLOB UNIQUE,
    epoch INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE conversation_members (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
  );
  CREATE INDEX members_by_user ON conversation_members (user_id);
  -- seq orders each mailbox (server order) and is the paging cursor.
  CREATE TABLE envelopes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL,
    recipient_user_id TEXT NOT NULL,
    recipient_device_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    sender_user_id TEXT,
    sender_device_id INTEGER,
    conversation_id TEXT,
    content BLOB NOT NULL,
    server_timestamp INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    receipt_requested INTEGER NOT NULL
  );
  CREATE INDEX mailbox ON envelopes (recipient_user_id, recipient_device_id, seq);
  CREATE INDEX envelopes_by_expiry ON envelopes (expires_at);
  CREATE TABLE sent_messages (
    sender_user_id TEXT NOT NULL,
    sender_device_id INTEGER NOT NULL,
    client_message_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    server_timestamp INTEGER NOT NULL,
    recipients INTEGER NOT NULL,
    PRIMARY KEY (sender_user_id, sender_device_id, client_message_id)
  );
  CREATE INDEX sent_by_time ON sent_messages (server_timestamp);
  `,
  // Each mailbox's usage, kept by triggers in the transaction of every envelope insert and delete
  // (sends, acks, expiry, removed devices), so the quota check reads one row.
  `
  CREATE TABLE mailbox_usage (
    user_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    envelopes INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_id)
  ) WITHOUT ROWID;
  INSERT INTO mailbox_usage (user_id, device_id, envelopes, bytes)
    SELECT recipient_user_id, recipient_device_id, COUNT(*), SUM(length(content))
    FROM envelopes GROUP BY recipient_user_id, recipient_device_id;
  CREATE TRIGGER envelope_added AFTER INSERT ON envelopes BEGIN
    INSERT INTO mailbox_usage (user_id, device_id, envelopes, bytes)
      VALUES (NEW.recipient_user_id, NEW.recipient_device_id, 1, length(NEW.content))
      ON CONFLICT (user_id, device_id)
      DO UPDATE SET envelopes = envelopes + 1, bytes = bytes + excluded.bytes;
  END;
  CREATE TRIGGER envelope_removed AFTER DELETE ON envelopes BEGIN
    UPDATE mailbox_usage SET envelopes = envelopes - 1, bytes = bytes - length(OLD.content)
      WHERE user_id = OLD.recipient_user_id AND device_id = OLD.recipient_device_id;
    DELETE FROM mailbox_usage
      WHERE user_id = OLD.recipient_user_id AND device_id = OLD.recipient_device_id AND envelopes <= 0;
  END;
  `,
  // Who has spoken where: presence is shown to conversation peers by this, not by membership.
  // Starts empty: peers see each other again once they speak after the upgrade.
  `
  CREATE TABLE conversation_speakers (
    user_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, conversation_id)
  );
  `,
  // Sealed sends' idempotency records: keyed on a hash of (recipient, clientMessageId), no sender.
  `
  CREATE TABLE sealed_sends (
    key TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    server_timestamp INTEGER NOT NULL,
    recipients INTEGER NOT NULL
  );
  CREATE INDEX sealed_sends_by_time ON sealed_sends (server_timestamp);
  `,
  // Wake-ups of stored envelopes the bus did not take, until the relay publishes them.
  `
  CREATE TABLE wakeup_outbox (
    envelope_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
];
