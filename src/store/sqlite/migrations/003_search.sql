-- Case search (SearchCases): an index of the field values and tags of every
-- case, and a full-text index of its string values.  Triggers on cases and
-- tags keep both in step inside the writing transaction, so a case is
-- searchable the moment the write that made it commits, and no C code
-- outside sqlite_search.c knows these tables exist.

-- Search keys: what a value row is filed under, one integer per
-- (scope, domain, kind, name) so value rows stay small and every lookup is
-- scoped to one domain by its key alone.
--   kind 0: a field id; 1: a tag key; 2: the domain itself (name '').
-- n counts, for fields, the cases holding a value, and for the domain key
-- its cases (tag keys are not counted).  The case triggers below keep it
-- with one statement per case write, which costs far less than a trigger
-- per value row.  Keys are never removed: an unused one costs a row and is
-- harmless.
CREATE TABLE search_keys (
    kkey      INTEGER PRIMARY KEY,
    account   TEXT    NOT NULL,
    region    TEXT    NOT NULL,
    domain_id TEXT    NOT NULL,
    kind      INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    n         INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX search_keys_by_name
    ON search_keys (account, region, domain_id, kind, name);

-- One row per value a case holds: a field value (stringValue and
-- userArnValue as text, doubleValue as a number, booleanValue as 0/1), a
-- tag value, and one row under the domain key with val NULL, which lists
-- the cases of a domain in seq order.
-- val has no declared type on purpose: no affinity, so "12" stays text and
-- 12 stays a number.  SQLite orders NULL < numbers < text, which lets one
-- index serve numeric and string comparisons: a numeric range is capped by
-- val < '' and a string range floored by val >= ''.
CREATE TABLE case_values (
    case_seq INTEGER NOT NULL,
    kkey     INTEGER NOT NULL,
    val,
    PRIMARY KEY (case_seq, kkey)
) WITHOUT ROWID;
-- Equality, ranges and sorted walks per field; ties in case seq order.
CREATE INDEX case_values_by_value ON case_values (kkey, val, case_seq);

-- Full text of every case: its string values (deleted fields included)
-- joined by spaces.  Contentless, so the text is not stored twice; the
-- triggers delete a case's entry by recomputing the text it was indexed
-- with from the old fields, which json_each reads in a fixed order.
-- columnsize=0: no per-document sizes, which only ranking would read.
-- Every write transaction flushes a small segment, so merging dominates
-- the cost of a case write; merging 16 segments at a time instead of 4
-- halves it, for a few more segments per query.
CREATE VIRTUAL TABLE case_fts USING fts5 (
    body,
    content = '',
    columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO case_fts (case_fts, rank) VALUES ('automerge', 16);

-- Tags of cases, resolved to the case they belong to.  Tags are keyed by
-- ARN (arn:P:cases:REGION:ACCOUNT:domain/D/case/C); related items
-- (.../case/C/related-item/I) and other resources are left out.  The
-- nested selects take the ARN apart one colon at a time; CROSS JOIN keeps
-- the tag row first, so a lookup by ARN is two index probes.
CREATE VIEW search_case_tags AS
SELECT c.seq AS case_seq, c.account AS account, c.region AS region,
       c.domain_id AS domain_id, a.arn AS arn, a.key AS key, a.value AS value
FROM (SELECT arn, key, value, region,
             substr(r2, 1, instr(r2, ':') - 1) AS account,
             substr(r2, instr(r2, ':domain/') + 8) AS r4
      FROM (SELECT arn, key, value,
                   substr(r1, 1, instr(r1, ':') - 1) AS region,
                   substr(r1, instr(r1, ':') + 1) AS r2
            FROM (SELECT arn, key, value,
                         substr(arn, instr(arn, ':cases:') + 7) AS r1
                  FROM tags
                  WHERE arn GLOB 'arn:*:cases:*:*:domain/*/case/*'
                    AND NOT arn GLOB '*/case/*/*'))) a
CROSS JOIN cases c ON c.account = a.account AND c.region = a.region
            AND c.domain_id = substr(a.r4, 1, instr(a.r4, '/') - 1)
            AND c.case_id = substr(a.r4, instr(a.r4, '/case/') + 6);

-- --- cases ----------------------------------------------------------------------

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
    INSERT INTO case_fts (rowid, body)
        SELECT NEW.seq, group_concat(v.value, ' ')
        FROM json_each(NEW.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
END;

-- Tags written before their case (the ARN is rebuilt the way the server
-- formats case ARNs).  Usually there are none, and WHEN costs one probe.
CREATE TRIGGER cases_search_insert_tags AFTER INSERT ON cases
WHEN EXISTS (SELECT 1 FROM tags WHERE arn = 'arn:aws:cases:' || NEW.region
             || ':' || NEW.account || ':domain/' || NEW.domain_id || '/case/'
             || NEW.case_id)
BEGIN
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT NEW.account, NEW.region, NEW.domain_id, 1, t.key FROM tags t
        WHERE t.arn = 'arn:aws:cases:' || NEW.region || ':' || NEW.account
                      || ':domain/' || NEW.domain_id || '/case/' || NEW.case_id
        ON CONFLICT DO NOTHING;
    INSERT INTO case_values (case_seq, kkey, val)
        SELECT NEW.seq, k.kkey, t.value FROM tags t CROSS JOIN search_keys k
        WHERE t.arn = 'arn:aws:cases:' || NEW.region || ':' || NEW.account
                      || ':domain/' || NEW.domain_id || '/case/' || NEW.case_id
          AND k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 1 AND k.name = t.key
        ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER cases_search_update AFTER UPDATE OF fields ON cases BEGIN
    INSERT INTO case_fts (case_fts, rowid, body)
        SELECT 'delete', OLD.seq, group_concat(v.value, ' ')
        FROM json_each(OLD.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
    INSERT INTO case_fts (rowid, body)
        SELECT NEW.seq, group_concat(v.value, ' ')
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

CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    UPDATE search_keys SET n = n - 1 WHERE kind <> 1 AND kkey IN
        (SELECT kkey FROM case_values WHERE case_seq = OLD.seq);
    DELETE FROM case_values WHERE case_seq = OLD.seq;
    INSERT INTO case_fts (case_fts, rowid, body)
        SELECT 'delete', OLD.seq, group_concat(v.value, ' ')
        FROM json_each(OLD.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
END;

-- --- tags -------------------------------------------------------------------------

CREATE TRIGGER tags_search_insert AFTER INSERT ON tags
WHEN NEW.arn GLOB 'arn:*:cases:*:*:domain/*/case/*'
 AND NOT NEW.arn GLOB '*/case/*/*'
BEGIN
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT account, region, domain_id, 1, key FROM search_case_tags
        WHERE arn = NEW.arn AND key = NEW.key
        ON CONFLICT DO NOTHING;
    INSERT INTO case_values (case_seq, kkey, val)
        SELECT t.case_seq, k.kkey, t.value
        FROM search_case_tags t CROSS JOIN search_keys k
          ON k.account = t.account AND k.region = t.region
         AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
        WHERE t.arn = NEW.arn AND t.key = NEW.key
        ON CONFLICT DO UPDATE SET val = excluded.val;
END;

CREATE TRIGGER tags_search_update AFTER UPDATE OF value ON tags
WHEN NEW.arn GLOB 'arn:*:cases:*:*:domain/*/case/*'
 AND NOT NEW.arn GLOB '*/case/*/*'
BEGIN
    UPDATE case_values SET val = NEW.value WHERE (case_seq, kkey) IN (
        SELECT t.case_seq, k.kkey
        FROM search_case_tags t CROSS JOIN search_keys k
          ON k.account = t.account AND k.region = t.region
         AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
        WHERE t.arn = NEW.arn AND t.key = NEW.key);
END;

-- BEFORE: the view resolves the ARN through the row being deleted.
CREATE TRIGGER tags_search_delete BEFORE DELETE ON tags
WHEN OLD.arn GLOB 'arn:*:cases:*:*:domain/*/case/*'
 AND NOT OLD.arn GLOB '*/case/*/*'
BEGIN
    DELETE FROM case_values WHERE (case_seq, kkey) IN (
        SELECT t.case_seq, k.kkey
        FROM search_case_tags t CROSS JOIN search_keys k
          ON k.account = t.account AND k.region = t.region
         AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
        WHERE t.arn = OLD.arn AND t.key = OLD.key);
END;

-- --- what existed before this migration ----------------------------------------------

INSERT INTO search_keys (account, region, domain_id, kind, name)
    SELECT DISTINCT account, region, domain_id, 2, '' FROM cases WHERE true
    ON CONFLICT DO NOTHING;
INSERT INTO search_keys (account, region, domain_id, kind, name)
    SELECT DISTINCT c.account, c.region, c.domain_id, 0, f.key
    FROM cases c, json_each(c.fields) f WHERE true
    ON CONFLICT DO NOTHING;
INSERT INTO search_keys (account, region, domain_id, kind, name)
    SELECT DISTINCT account, region, domain_id, 1, key FROM search_case_tags
    WHERE true
    ON CONFLICT DO NOTHING;
INSERT INTO case_values (case_seq, kkey, val)
    SELECT c.seq, k.kkey, NULL FROM cases c JOIN search_keys k
      ON k.account = c.account AND k.region = c.region
     AND k.domain_id = c.domain_id AND k.kind = 2 AND k.name = '';
INSERT INTO case_values (case_seq, kkey, val)
    SELECT c.seq, k.kkey, v.value
    FROM cases c CROSS JOIN json_each(c.fields) f CROSS JOIN json_each(f.value) v
         CROSS JOIN search_keys k
    WHERE v.key IN ('stringValue', 'doubleValue', 'booleanValue',
                    'userArnValue')
      AND k.account = c.account AND k.region = c.region
      AND k.domain_id = c.domain_id AND k.kind = 0 AND k.name = f.key
    ON CONFLICT DO NOTHING;
INSERT INTO case_values (case_seq, kkey, val)
    SELECT t.case_seq, k.kkey, t.value
    FROM search_case_tags t CROSS JOIN search_keys k
      ON k.account = t.account AND k.region = t.region
     AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
    WHERE true
    ON CONFLICT DO NOTHING;
INSERT INTO case_fts (rowid, body)
    SELECT c.seq, (SELECT group_concat(v.value, ' ')
                   FROM json_each(c.fields) f, json_each(f.value) v
                   WHERE v.key IN ('stringValue', 'userArnValue'))
    FROM cases c;
UPDATE search_keys SET n = (SELECT count(*) FROM case_values v
                            WHERE v.kkey = search_keys.kkey)
WHERE kind <> 1;
