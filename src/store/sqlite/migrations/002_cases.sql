-- Cases, their audit history, and CreateCase idempotency tokens.

CREATE TABLE cases (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    domain_id   TEXT    NOT NULL,
    case_id     TEXT    NOT NULL,
    template_id TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    fields      TEXT    NOT NULL   -- JSON object {fieldId: FieldValueUnion}
);
CREATE UNIQUE INDEX cases_by_id ON cases (account, region, domain_id, case_id);

-- Rows of a case are found through case_seq, the case's seq.
CREATE TABLE case_audit (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    case_seq          INTEGER NOT NULL,
    event_id          TEXT    NOT NULL,
    type              TEXT    NOT NULL,
    related_item_type TEXT,
    performed_ms      INTEGER NOT NULL,
    fields            TEXT    NOT NULL,
    performed_by      TEXT    NOT NULL
);
CREATE INDEX case_audit_by_case ON case_audit (case_seq, seq);

CREATE TABLE idempotency (
    account      TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    domain_id    TEXT    NOT NULL,
    token        TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    case_id      TEXT    NOT NULL,
    expires_ms   INTEGER NOT NULL,
    PRIMARY KEY (account, region, domain_id, token)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_expiry ON idempotency (expires_ms);
