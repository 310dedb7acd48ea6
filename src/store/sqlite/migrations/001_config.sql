-- Configuration resources of a Cases domain, field options, tags, and
-- server metadata.  Every row is scoped by account and region.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- kind: 0 domain, 1 field, 2 layout, 3 template, 4 case rule
-- (the values of resource_kind in store.h; never renumber them).
-- seq orders listings; AUTOINCREMENT keeps it from ever being reused, so a
-- pagination position stays meaningful after deletions.
CREATE TABLE records (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    kind        INTEGER NOT NULL,
    domain_id   TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    name        TEXT,
    deleted     INTEGER NOT NULL DEFAULT 0,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE UNIQUE INDEX records_by_id ON records (account, region, kind, domain_id, id);
CREATE UNIQUE INDEX records_live_name ON records (account, region, kind, domain_id, name)
    WHERE deleted = 0 AND name IS NOT NULL;
CREATE INDEX records_in_order ON records (account, region, kind, domain_id, seq);

CREATE TABLE field_options (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    account   TEXT    NOT NULL,
    region    TEXT    NOT NULL,
    domain_id TEXT    NOT NULL,
    field_id  TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    active    INTEGER NOT NULL
);
CREATE UNIQUE INDEX field_options_by_value ON field_options (account, region, domain_id, field_id, value);
CREATE INDEX field_options_in_order ON field_options (account, region, domain_id, field_id, seq);

-- Tags are keyed by ARN, which already names account and region.
CREATE TABLE tags (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
