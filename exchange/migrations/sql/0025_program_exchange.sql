-- Exchange between programs (contract section 10, issue 7).
--
-- A partner that runs a program of its own (airline miles) registers its currency, and
-- versions of the rules of converting: a rate and limits each way, effective-dated and never
-- edited (a change is a new version). A member asks for a quote, which locks the numbers for
-- a short time; converting executes the quote once.
--
-- In: an EARN funded by the partner (settled as ISSUED at its issue price), final at once.
-- Out: a hold at the partner (the member's points are reserved, no lot is touched) until the
-- partner confirms (the hold is captured: a BURN, settled as REDEEMED at its redemption value)
-- or declines (the hold is voided); a hold not confirmed by the deadline expires, whoever
-- releases it (the gateway's sweeper, `exchange worker`, a burn that needed the points). A
-- conversion follows its hold: the trigger below moves it on, in the transaction that
-- finalized the hold, and emits its event.

CREATE TABLE program_currencies (
    id bigserial PRIMARY KEY,
    partner_id bigint NOT NULL REFERENCES partners (id),
    code text NOT NULL CONSTRAINT ck_program_currencies_code CHECK (code ~ '^[A-Z][A-Z0-9]{1,9}$'),
    name text NOT NULL CONSTRAINT ck_program_currencies_name CHECK (length(name) BETWEEN 1 AND 100),
    decimals smallint NOT NULL DEFAULT 0
        CONSTRAINT ck_program_currencies_decimals CHECK (decimals BETWEEN 0 AND 4),
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX uq_program_currencies_code ON program_currencies (code);
CREATE INDEX ix_program_currencies_partner ON program_currencies (partner_id);

-- in_rate: points per unit of the currency converted in (1 mile = 0.8 points);
-- out_rate: units of the currency per point converted out (1 point = 1.25 miles).
-- Limits are in points, per conversion and per member per UTC day, each way.
CREATE TABLE conversion_rule_sets (
    id bigserial PRIMARY KEY,
    currency_id bigint NOT NULL REFERENCES program_currencies (id),
    version integer NOT NULL CONSTRAINT ck_conversion_rule_sets_version CHECK (version > 0),
    effective_from timestamptz NOT NULL,
    in_enabled boolean NOT NULL,
    in_rate numeric(18, 6) CONSTRAINT ck_conversion_rule_sets_in_rate CHECK (in_rate > 0),
    in_minimum_points bigint,
    in_maximum_points bigint,
    in_daily_points bigint,
    out_enabled boolean NOT NULL,
    out_rate numeric(18, 6) CONSTRAINT ck_conversion_rule_sets_out_rate CHECK (out_rate > 0),
    out_minimum_points bigint,
    out_maximum_points bigint,
    out_daily_points bigint,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    CONSTRAINT ck_conversion_rule_sets_rates CHECK (
        (NOT in_enabled OR in_rate IS NOT NULL) AND (NOT out_enabled OR out_rate IS NOT NULL)),
    CONSTRAINT ck_conversion_rule_sets_limits CHECK (
        coalesce(in_minimum_points, 1) > 0 AND coalesce(in_maximum_points, 1) > 0
        AND coalesce(in_daily_points, 1) > 0 AND coalesce(out_minimum_points, 1) > 0
        AND coalesce(out_maximum_points, 1) > 0 AND coalesce(out_daily_points, 1) > 0
        AND coalesce(in_minimum_points <= in_maximum_points, true)
        AND coalesce(out_minimum_points <= out_maximum_points, true))
);
CREATE UNIQUE INDEX uq_conversion_rule_sets_version ON conversion_rule_sets (currency_id, version);
CREATE INDEX ix_conversion_rule_sets_from ON conversion_rule_sets (currency_id, effective_from);
CREATE TRIGGER conversion_rule_sets_append_only BEFORE UPDATE OR DELETE ON conversion_rule_sets
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- A quote: the numbers of one conversion, locked until expires_at, used once. quoted_by is
-- the caller's idempotency scope (member:N or partner:N): only it may execute the quote.
CREATE TABLE conversion_quotes (
    id bigserial PRIMARY KEY,
    member_id bigint NOT NULL REFERENCES members (id),
    currency_id bigint NOT NULL REFERENCES program_currencies (id),
    rule_set_id bigint NOT NULL REFERENCES conversion_rule_sets (id),
    direction text NOT NULL CONSTRAINT ck_conversion_quotes_direction
        CHECK (direction IN ('IN', 'OUT')),
    points bigint NOT NULL CONSTRAINT ck_conversion_quotes_points CHECK (points > 0),
    amount numeric(24, 4) NOT NULL CONSTRAINT ck_conversion_quotes_amount CHECK (amount > 0),
    rate numeric(18, 6) NOT NULL,
    program_account text,
    quoted_by text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX ix_conversion_quotes_unused ON conversion_quotes (expires_at) WHERE used_at IS NULL;

CREATE TABLE conversions (
    id bigserial PRIMARY KEY,
    quote_id bigint NOT NULL REFERENCES conversion_quotes (id),
    member_id bigint NOT NULL REFERENCES members (id),
    partner_id bigint NOT NULL REFERENCES partners (id),
    currency_id bigint NOT NULL REFERENCES program_currencies (id),
    rule_set_id bigint NOT NULL REFERENCES conversion_rule_sets (id),
    direction text NOT NULL CONSTRAINT ck_conversions_direction
        CHECK (direction IN ('IN', 'OUT')),
    points bigint NOT NULL CONSTRAINT ck_conversions_points CHECK (points > 0),
    amount numeric(24, 4) NOT NULL CONSTRAINT ck_conversions_amount CHECK (amount > 0),
    rate numeric(18, 6) NOT NULL,
    program_account text,
    status text NOT NULL CONSTRAINT ck_conversions_status
        CHECK (status IN ('PENDING', 'COMPLETED', 'DECLINED', 'EXPIRED')),
    hold_id bigint REFERENCES holds (id),
    entry_id bigint REFERENCES journal_entries (id),
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL,
    confirm_by timestamptz,
    finalized_at timestamptz,
    partner_reference text,
    decline_reason text,
    CONSTRAINT ck_conversions_out_holds CHECK (
        (direction = 'OUT') = (hold_id IS NOT NULL AND confirm_by IS NOT NULL)),
    CONSTRAINT ck_conversions_completed CHECK ((status = 'COMPLETED') = (entry_id IS NOT NULL)),
    CONSTRAINT ck_conversions_final CHECK ((status = 'PENDING') = (finalized_at IS NULL))
);
CREATE UNIQUE INDEX uq_conversions_quote ON conversions (quote_id);
CREATE UNIQUE INDEX uq_conversions_hold ON conversions (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX ix_conversions_member ON conversions (member_id, id);
CREATE INDEX ix_conversions_partner ON conversions (partner_id, id);
CREATE INDEX ix_conversions_pending ON conversions (confirm_by) WHERE status = 'PENDING';

-- One shape for every conversion.* event (Python emits conversion.requested and, for a
-- conversion in, conversion.completed through it; the trigger the others). The caller holds
-- the member's lock; the event takes the member's next sequence number.
CREATE FUNCTION conversion_emit(p_conversion_id bigint, p_type text, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    v_seq bigint;
BEGIN
    SELECT v.*, pc.code AS currency, pc.decimals, l.external_id INTO c
      FROM conversions v JOIN program_currencies pc ON pc.id = v.currency_id
      LEFT JOIN member_partner_links l ON l.member_id = v.member_id
                                      AND l.partner_id = v.partner_id
     WHERE v.id = p_conversion_id;
    UPDATE member_balances SET seq = seq + 1, updated_at = p_now WHERE member_id = c.member_id
    RETURNING seq INTO v_seq;
    PERFORM ledger_emit(p_type, c.partner_id, c.member_id, v_seq, c.entry_id, p_now,
        jsonb_build_object(
            'conversionId', global_id('Conversion', c.id),
            'memberId', global_id('Member', c.member_id),
            'externalId', c.external_id,
            'programAccount', c.program_account,
            'direction', c.direction,
            'currency', c.currency,
            'amount', round(c.amount, c.decimals)::text,
            'points', c.points,
            'rate', trim_scale(c.rate)::text,
            'status', c.status,
            'transactionId', CASE WHEN c.entry_id IS NOT NULL
                                  THEN global_id('Transaction', c.entry_id) END,
            'holdId', CASE WHEN c.hold_id IS NOT NULL THEN global_id('Hold', c.hold_id) END,
            'confirmBy', CASE WHEN c.confirm_by IS NOT NULL THEN iso_utc(c.confirm_by) END,
            'reference', c.partner_reference,
            'reason', c.decline_reason));
END $$;

-- A conversion out follows its hold: captured (confirmConversion, or captureBurn of the
-- hold), it is COMPLETED; voided (declineConversion, or voidBurn), DECLINED; expired,
-- EXPIRED. Whole or not at all: a capture of part of a conversion's hold is refused.
CREATE FUNCTION conversion_follows_hold() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_status text := CASE NEW.status WHEN 'CAPTURED' THEN 'COMPLETED'
                                     WHEN 'VOIDED' THEN 'DECLINED' ELSE 'EXPIRED' END;
BEGIN
    IF NEW.status = 'CAPTURED' AND NEW.captured_points <> NEW.points THEN
        PERFORM ledger_fail('INVALID_AMOUNT',
                            format('a conversion is confirmed whole: capture its %s points',
                                   NEW.points), 'points');
    END IF;
    UPDATE conversions SET status = v_status, finalized_at = NEW.finalized_at,
                           entry_id = NEW.capture_entry_id
     WHERE hold_id = NEW.id AND status = 'PENDING'
    RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
        PERFORM conversion_emit(v_id, 'conversion.' || lower(v_status), NEW.finalized_at);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER holds_conversions AFTER UPDATE OF status ON holds
    FOR EACH ROW WHEN (OLD.status = 'AUTHORIZED' AND NEW.status <> 'AUTHORIZED'
                       AND NEW.details ? 'conversion')
    EXECUTE FUNCTION conversion_follows_hold();
