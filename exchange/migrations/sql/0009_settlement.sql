-- Settlement batches (contract sections 6 and 7, rules 7-8).
--
-- Which entries a batch covers is a function of immutable facts, not a list that is written:
-- every journal entry records the id of the transaction that wrote it (xid), and a batch
-- records its cut-off and the snapshot it was computed in. Batch k covers the entries that
-- were visible in its snapshot with posted_at <= its cut-off, minus those batch k-1 covered
-- by the same rule. Cut-offs never go back and snapshots only grow, so the batches of a
-- chain are disjoint and together cover every entry up to the last cut-off: an entry that
-- committed after a batch ran (even with an earlier posted_at) falls into the next batch.

ALTER TABLE journal_entries ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX ix_journal_entries_posted_brin ON journal_entries USING brin (posted_at);
CREATE INDEX ix_journal_entries_xid_brin ON journal_entries USING brin (((xid::text)::bigint));

CREATE TABLE settlement_batches (
    id bigserial PRIMARY KEY,
    status text NOT NULL DEFAULT 'DRAFT'
        CHECK (status IN ('DRAFT', 'APPROVED', 'PAID', 'DISCARDED')),
    follows_batch_id bigint REFERENCES settlement_batches (id),
    period_start timestamptz,
    period_end timestamptz NOT NULL,
    snapshot text NOT NULL,
    -- pg_current_snapshot() of the transaction that computed the batch, as text
    currency text NOT NULL,
    breakage_issuer_share numeric(7, 6) NOT NULL,
    entries_count bigint NOT NULL DEFAULT 0,
    entries_sha256 text NOT NULL DEFAULT '',
    operator_margin numeric NOT NULL DEFAULT 0,
    rounding_difference numeric NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    approved_at timestamptz,
    approved_by text,
    paid_at timestamptz,
    paid_by text,
    payment_reference text,
    discarded_at timestamptz,
    CHECK ((status = 'PAID') = (payment_reference IS NOT NULL))
);
-- one DRAFT at a time, and one live batch after each batch: two runs at once cannot both win
CREATE UNIQUE INDEX uq_settlement_batches_one_draft ON settlement_batches ((true))
    WHERE status = 'DRAFT';
CREATE UNIQUE INDEX uq_settlement_batches_chain ON settlement_batches
    (coalesce(follows_batch_id, 0)) WHERE status <> 'DISCARDED';

CREATE TABLE settlement_statements (
    batch_id bigint NOT NULL REFERENCES settlement_batches (id),
    partner_id bigint NOT NULL REFERENCES partners (id),
    billing text NOT NULL,
    issued_points bigint NOT NULL,
    reversed_points bigint NOT NULL,
    redeemed_points bigint NOT NULL,
    refunded_points bigint NOT NULL,
    expired_points bigint NOT NULL,
    exact_net numeric NOT NULL,
    net_amount numeric NOT NULL,
    rounding_difference numeric NOT NULL,
    entries_count bigint NOT NULL,
    entries_sha256 text NOT NULL,
    PRIMARY KEY (batch_id, partner_id)
);

CREATE TABLE settlement_lines (
    batch_id bigint NOT NULL REFERENCES settlement_batches (id),
    partner_id bigint NOT NULL REFERENCES partners (id),
    line_no int NOT NULL,
    kind text NOT NULL CHECK (kind IN ('ISSUED', 'ISSUE_REVERSED', 'REDEEMED',
                                       'REDEMPTION_REFUNDED', 'BREAKAGE_CREDIT')),
    adjustment boolean NOT NULL,
    unit_price numeric NOT NULL,
    -- breakage is priced at issue price x the issuer's share: exact, so no fixed scale
    points bigint NOT NULL,
    exact_amount numeric NOT NULL,
    amount numeric NOT NULL,
    entries_count bigint NOT NULL,
    PRIMARY KEY (batch_id, partner_id, line_no)
);

-- the bilateral matrix: points issued by one partner (NULL: the operator) redeemed at another
CREATE TABLE settlement_flows (
    batch_id bigint NOT NULL REFERENCES settlement_batches (id),
    flow_no int NOT NULL,
    issuer_partner_id bigint REFERENCES partners (id),
    redeemer_partner_id bigint NOT NULL REFERENCES partners (id),
    points bigint NOT NULL,
    exact_amount numeric NOT NULL,
    PRIMARY KEY (batch_id, flow_no)
);

CREATE TABLE settlement_payments (
    batch_id bigint NOT NULL REFERENCES settlement_batches (id),
    payment_no int NOT NULL,
    payer_partner_id bigint REFERENCES partners (id),
    payee_partner_id bigint REFERENCES partners (id),
    amount numeric NOT NULL CHECK (amount > 0),
    PRIMARY KEY (batch_id, payment_no),
    CHECK (payer_partner_id IS NOT NULL OR payee_partner_id IS NOT NULL)
);

-- What a batch holds is written once; an APPROVED or PAID batch never changes (rule 7).
CREATE FUNCTION settlement_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'settlement rows are written once: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER settlement_statements_written_once BEFORE UPDATE OR DELETE ON settlement_statements
    FOR EACH ROW EXECUTE FUNCTION settlement_refuse_change();
CREATE TRIGGER settlement_lines_written_once BEFORE UPDATE OR DELETE ON settlement_lines
    FOR EACH ROW EXECUTE FUNCTION settlement_refuse_change();
CREATE TRIGGER settlement_flows_written_once BEFORE UPDATE OR DELETE ON settlement_flows
    FOR EACH ROW EXECUTE FUNCTION settlement_refuse_change();
CREATE TRIGGER settlement_payments_written_once BEFORE UPDATE OR DELETE ON settlement_payments
    FOR EACH ROW EXECUTE FUNCTION settlement_refuse_change();
CREATE TRIGGER settlement_batches_no_delete BEFORE DELETE ON settlement_batches
    FOR EACH ROW EXECUTE FUNCTION settlement_refuse_change();
CREATE TRIGGER settlement_no_truncate BEFORE TRUNCATE ON settlement_batches
    FOR EACH STATEMENT EXECUTE FUNCTION settlement_refuse_change();

-- A batch moves DRAFT -> APPROVED -> PAID, or DRAFT -> DISCARDED, and nothing else of it
-- changes: its figures are fixed when it is written.
CREATE FUNCTION settlement_check_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ((OLD.status = 'DRAFT' AND NEW.status IN ('APPROVED', 'DISCARDED'))
            OR (OLD.status = 'APPROVED' AND NEW.status = 'PAID')
            OR (OLD.status = 'DRAFT' AND NEW.status = 'DRAFT')) THEN
        RAISE EXCEPTION 'settlement batch %: % -> % refused', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.follows_batch_id, NEW.period_start, NEW.period_end, NEW.snapshot,
        NEW.currency, NEW.breakage_issuer_share, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.follows_batch_id, OLD.period_start, OLD.period_end, OLD.snapshot,
        OLD.currency, OLD.breakage_issuer_share, OLD.created_at, OLD.created_by)
       OR (OLD.status <> 'DRAFT'
           AND (NEW.entries_count, NEW.entries_sha256, NEW.operator_margin,
                NEW.rounding_difference)
               IS DISTINCT FROM
               (OLD.entries_count, OLD.entries_sha256, OLD.operator_margin,
                OLD.rounding_difference)) THEN
        RAISE EXCEPTION 'settlement batch %: its figures never change', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER settlement_batches_transition BEFORE UPDATE ON settlement_batches
    FOR EACH ROW EXECUTE FUNCTION settlement_check_transition();

-- Whether a batch with this cut-off and snapshot sees the entry (see the top of this file).
CREATE FUNCTION settlement_sees(p_posted_at timestamptz, p_xid xid8, p_end timestamptz,
                                p_snapshot pg_snapshot) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_posted_at <= p_end AND pg_visible_in_snapshot(p_xid, p_snapshot)
$$;
