-- One focus per reader (SPEC §4): each reader's credit watermark, the instant up to which one
-- of their sessions has been credited already. A heartbeat's interval credits only what lies
-- after it, and the row is locked (with the sessions) while a batch works on the reader, so
-- replicas sharing the database take turns per reader. Readers of existing sessions start at 0.
CREATE TABLE IF NOT EXISTS readers (
    reader             TEXT PRIMARY KEY,
    credited_until_ms  BIGINT NOT NULL
);
INSERT INTO readers (reader, credited_until_ms)
    SELECT DISTINCT reader, 0 FROM sessions WHERE reader NOT IN (SELECT reader FROM readers);
-- Sign-in with Ethereum (EIP-4361): the nonces the oracle issued; a nonce signs in once.
-- Rows older than the nonce's lifetime are deleted as new ones are issued (by issued_ms).
CREATE TABLE IF NOT EXISTS sign_in_nonces (
    nonce      TEXT PRIMARY KEY,
    issued_ms  BIGINT NOT NULL,
    used_ms    BIGINT
);
CREATE INDEX IF NOT EXISTS sign_in_nonces_issued ON sign_in_nonces (issued_ms);
