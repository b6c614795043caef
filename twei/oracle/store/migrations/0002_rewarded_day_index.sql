-- The settlement's read of a day: a range of this partial index holds every column it needs,
-- so a day of ten million reads is one sequential scan instead of a row look-up per read.
-- (IF NOT EXISTS: a file whose schema already created it before migrations is adopted.)
CREATE INDEX IF NOT EXISTS sessions_rewarded_day
    ON sessions (qualified_at_ms, reader, post_id, credited_ms) WHERE rewarded = 1;
