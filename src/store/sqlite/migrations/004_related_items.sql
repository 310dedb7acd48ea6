-- Related items of cases (CreateRelatedItem and its siblings).
--
-- A row belongs to its case through case_seq, the case's seq, so an item
-- can never drift to another case that later takes the same id.  account,
-- region, domain_id and case_id repeat what the case says (a case id never
-- changes) so that the domain-wide listings of SearchAllRelatedItems and
-- ListCasesForContact run on indexes of this table alone.
--
-- content is the RelatedItemContent union as the API returns it, JSON
-- text; contact_arn is set on Contact items only.  created_by and
-- updated_by are UserUnion JSON objects, or NULL.
CREATE TABLE related_items (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_seq      INTEGER NOT NULL,
    account       TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    domain_id     TEXT    NOT NULL,
    case_id       TEXT    NOT NULL,
    item_id       TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    contact_arn   TEXT,
    associated_ms INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL,
    content       TEXT    NOT NULL,
    created_by    TEXT,
    updated_by    TEXT
);
-- One item by id within its case.
CREATE UNIQUE INDEX related_items_by_id ON related_items (case_seq, item_id);
-- The items of a case, and their number per type (quotas).
CREATE INDEX related_items_of_case ON related_items (case_seq, type);
-- ListCasesForContact: contact ARN -> cases, in case order.
CREATE INDEX related_items_by_contact
    ON related_items (account, region, domain_id, contact_arn, case_seq)
    WHERE contact_arn IS NOT NULL;
-- SearchAllRelatedItems sorted by association time or by case id.
CREATE INDEX related_items_by_time
    ON related_items (account, region, domain_id, associated_ms, seq);
CREATE INDEX related_items_by_case_id
    ON related_items (account, region, domain_id, case_id, seq);

-- Items go with their case, however the case is removed (DeleteCase, or
-- DeleteDomain removing every case of the domain).
CREATE TRIGGER related_items_follow_case AFTER DELETE ON cases
BEGIN
    DELETE FROM related_items WHERE case_seq = OLD.seq;
END;
