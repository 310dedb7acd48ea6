-- Full-text writes wait in a queue until the end of their batch.
--
-- FTS5 writes its pending terms out as a new segment at every statement
-- savepoint, and SQLite opens one for every statement that writes to a
-- virtual table inside a transaction: with the triggers of 003 each case
-- write flushed one tiny segment, and merging those segments was the
-- largest cost of a case write.  The triggers now append to
-- case_fts_queue; the group-commit leader moves the whole queue into
-- case_fts with one statement just before COMMIT (sq_flush_before_commit), so a
-- batch of writes flushes one segment.  The queue is empty in every
-- committed state, so readers never need it.

CREATE TABLE case_fts_queue (
    id INTEGER PRIMARY KEY,   -- order of the writes: a delete before a reinsert
    op TEXT,                  -- NULL to index, 'delete' to remove
    rid INTEGER NOT NULL,     -- the case's seq, the rowid in case_fts
    body TEXT
);

DROP TRIGGER cases_search_insert;
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT NEW.account, NEW.region, NEW.domain_id, 0, f.key
        FROM json_each(NEW.fields) f WHERE true
        ON CONFLICT DO NOTHING;
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        VALUES (NEW.account, NEW.region, NEW.domain_id, 2, '')
        ON CONFLICT DO NOTHING;
    INSERT INTO case_values (case_seq, kkey, val)
        SELECT NEW.seq, k.kkey, NULL FROM search_keys k
        WHERE k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 2 AND k.name = '';
    INSERT INTO case_values (case_seq, kkey, val)
        SELECT NEW.seq, k.kkey, v.value
        FROM json_each(NEW.fields) f CROSS JOIN json_each(f.value) v
             CROSS JOIN search_keys k
        WHERE v.key IN ('stringValue', 'doubleValue', 'booleanValue',
                        'userArnValue')
          AND k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 0 AND k.name = f.key
        ON CONFLICT DO NOTHING;
    UPDATE search_keys SET n = n + 1 WHERE kind <> 1 AND kkey IN
        (SELECT kkey FROM case_values WHERE case_seq = NEW.seq);
    INSERT INTO case_fts_queue (op, rid, body)
        SELECT NULL, NEW.seq, group_concat(v.value, ' ')
        FROM json_each(NEW.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
END;

DROP TRIGGER cases_search_update;
CREATE TRIGGER cases_search_update AFTER UPDATE OF fields ON cases BEGIN
    INSERT INTO case_fts_queue (op, rid, body)
        SELECT 'delete', OLD.seq, group_concat(v.value, ' ')
        FROM json_each(OLD.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
    INSERT INTO case_fts_queue (op, rid, body)
        SELECT NULL, NEW.seq, group_concat(v.value, ' ')
        FROM json_each(NEW.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
    UPDATE search_keys SET n = n - 1 WHERE kind <> 1 AND kkey IN
        (SELECT kkey FROM case_values WHERE case_seq = OLD.seq);
    -- Only the values that changed or went away leave the index; the
    -- insert below then skips the ones still in place.
    DELETE FROM case_values WHERE case_seq = OLD.seq AND kkey IN (
        SELECT k.kkey FROM json_each(OLD.fields) f, search_keys k
        WHERE k.account = OLD.account AND k.region = OLD.region
          AND k.domain_id = OLD.domain_id AND k.kind = 0 AND k.name = f.key
          AND NOT EXISTS (SELECT 1 FROM json_each(NEW.fields) g
                          WHERE g.key = f.key AND g.value = f.value));
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT NEW.account, NEW.region, NEW.domain_id, 0, f.key
        FROM json_each(NEW.fields) f WHERE true
        ON CONFLICT DO NOTHING;
    INSERT INTO case_values (case_seq, kkey, val)
        SELECT NEW.seq, k.kkey, v.value
        FROM json_each(NEW.fields) f CROSS JOIN json_each(f.value) v
             CROSS JOIN search_keys k
        WHERE v.key IN ('stringValue', 'doubleValue', 'booleanValue',
                        'userArnValue')
          AND k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 0 AND k.name = f.key
        ON CONFLICT DO NOTHING;
    UPDATE search_keys SET n = n + 1 WHERE kind <> 1 AND kkey IN
        (SELECT kkey FROM case_values WHERE case_seq = NEW.seq);
END;

DROP TRIGGER cases_search_delete;
CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    UPDATE search_keys SET n = n - 1 WHERE kind <> 1 AND kkey IN
        (SELECT kkey FROM case_values WHERE case_seq = OLD.seq);
    DELETE FROM case_values WHERE case_seq = OLD.seq;
    INSERT INTO case_fts_queue (op, rid, body)
        SELECT 'delete', OLD.seq, group_concat(v.value, ' ')
        FROM json_each(OLD.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
END;
