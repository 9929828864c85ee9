-- Bonus events (contract section 9): partners award points for what is not a purchase (a
-- review, a birthday, a survey answer). The event types are program data: versions of a
-- catalogue, never edited, each in force from its effective_from on (as the membership plan
-- catalogues). An award is a BONUS entry issued by the awarding partner (its PARTNER_ISSUED
-- account, a lot of its issue and validity, billed by settlement as an earn), recorded once
-- per member, event type and reference; the limits per member and period are counted under
-- the member's lock.

CREATE TABLE bonus_catalogues (
    id bigserial PRIMARY KEY,
    version integer NOT NULL CHECK (version > 0),
    effective_from timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE UNIQUE INDEX uq_bonus_catalogues_version ON bonus_catalogues (version);
CREATE INDEX ix_bonus_catalogues_from ON bonus_catalogues (effective_from, version);

CREATE TABLE bonus_event_types (
    catalogue_id bigint NOT NULL REFERENCES bonus_catalogues (id),
    code text NOT NULL,
    name text NOT NULL,
    points bigint NOT NULL CHECK (points > 0),
    -- at most limit_count awards per member in each period (DAY, MONTH, YEAR: UTC calendar
    -- periods; EVER: in all); no limit_count: the reference alone limits
    limit_count integer CHECK (limit_count > 0),
    limit_period text CHECK (limit_period IN ('DAY', 'MONTH', 'YEAR', 'EVER')),
    PRIMARY KEY (catalogue_id, code),
    CHECK ((limit_count IS NULL) = (limit_period IS NULL))
);
CREATE TRIGGER bonus_catalogues_append_only BEFORE UPDATE OR DELETE ON bonus_catalogues
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER bonus_event_types_append_only BEFORE UPDATE OR DELETE ON bonus_event_types
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- One row per award: the reference is awarded once per member and event type, whoever asks
-- (the unique index backs the check made under the member's lock).
CREATE TABLE bonus_awards (
    entry_id bigint PRIMARY KEY,
    member_id bigint NOT NULL,
    partner_id bigint NOT NULL,
    event_type text NOT NULL,
    reference text NOT NULL,
    catalogue_id bigint NOT NULL REFERENCES bonus_catalogues (id),
    points bigint NOT NULL CHECK (points > 0),
    awarded_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX uq_bonus_awards_reference ON bonus_awards (member_id, event_type, reference);
CREATE INDEX ix_bonus_awards_member_type ON bonus_awards (member_id, event_type, awarded_at);
CREATE TRIGGER bonus_awards_append_only BEFORE UPDATE OR DELETE ON bonus_awards
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Credits a bonus: a BONUS entry of p_points to the member, issued by p_partner_id (its
-- PARTNER_ISSUED account, its issue price in force at p_now, a lot of its validity; a
-- PREPAID partner draws the points from its blocks) or, with p_partner_id NULL, by the
-- operator (its OPERATOR_BONUS account, a lot without issuer that lives p_validity_days, or
-- for ever when that is NULL). A debt is paid first, as an earn's points pay it. The member
-- is locked (again: the caller usually holds the lock already). The event p_event_type, if
-- given, carries p_event_data with the entry, the member, the points and the balance after.
-- Returns {"entry_id", "balance", "seq"}.
CREATE FUNCTION ledger_credit_bonus(p_member_id bigint, p_partner_id bigint, p_points bigint,
                                    p_reason text, p_details jsonb, p_validity_days integer,
                                    p_event_type text, p_event_data jsonb, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    entry_id bigint := nextval('journal_entries_id_seq');
    v_status text := 'ACTIVE';
    v_validity integer := p_validity_days;
    v_billing text := 'POSTPAID';
    v_credit_limit bigint := 0;
    v_issue_price numeric;
    member member_balances;
    counter_account bigint;
    repaid bigint;
    lot_id bigint;
    after record;
BEGIN
    IF p_points IS NULL OR p_points <= 0 THEN
        PERFORM ledger_fail('INVALID_AMOUNT', 'a bonus is a positive number of points',
                            'points');
    END IF;
    IF p_partner_id IS NOT NULL THEN
        SELECT p.status, p.point_validity_days, p.billing, p.credit_limit_points,
               (SELECT issue_price FROM partner_prices
                 WHERE partner_id = p.id AND effective_from <= p_now
                 ORDER BY effective_from DESC LIMIT 1)
          INTO v_status, v_validity, v_billing, v_credit_limit, v_issue_price
          FROM partners p WHERE p.id = p_partner_id;
        IF v_status IS DISTINCT FROM 'ACTIVE' THEN
            PERFORM ledger_fail('PARTNER_SUSPENDED', 'this partner is suspended');
        ELSIF v_issue_price IS NULL THEN
            PERFORM ledger_fail('NO_PRICE_IN_FORCE',
                                format('no price was in force at %s', iso_utc(p_now)));
        END IF;
        SELECT id INTO counter_account FROM accounts
         WHERE partner_id = p_partner_id AND kind = 'PARTNER_ISSUED';
    ELSE
        SELECT id INTO counter_account FROM accounts
         WHERE kind = 'OPERATOR_BONUS' AND partner_id IS NULL AND member_id IS NULL;
    END IF;
    member := ledger_lock_member(p_member_id, NULL);
    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, reason, occurred_at,
                                 posted_at, issue_price, details, prepaid)
    VALUES (entry_id, 'BONUS', p_member_id, p_partner_id, p_points, p_reason, p_now, p_now,
            v_issue_price, p_details, v_billing = 'PREPAID');
    INSERT INTO postings (entry_id, account_id, points)
    VALUES (entry_id, member.account_id, p_points), (entry_id, counter_account, -p_points);
    repaid := least(member.debt, p_points);
    INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining, issue_price,
                      earned_at, available_at, expires_at)
    VALUES (p_member_id, p_partner_id, entry_id, p_points, p_points - repaid,
            v_issue_price, p_now, p_now,
            p_now + make_interval(days => v_validity::int))
    RETURNING id INTO lot_id;
    IF repaid > 0 THEN
        INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id,
                                      points)
        VALUES (lot_id, entry_id, p_member_id, 'DEBT', p_partner_id, repaid);
    END IF;
    UPDATE member_balances
       SET balance = balance + p_points, debt = debt - repaid, seq = seq + 1, updated_at = p_now
     WHERE member_balances.member_id = p_member_id
    RETURNING balance, seq INTO after;
    IF p_event_type IS NOT NULL THEN
        PERFORM ledger_emit(p_event_type, p_partner_id, p_member_id, after.seq, entry_id, p_now,
            coalesce(p_event_data, '{}'::jsonb) || jsonb_build_object(
                'transactionId', global_id('Transaction', entry_id),
                'memberId', global_id('Member', p_member_id), 'points', p_points,
                'balance', after.balance));
    END IF;
    -- last, so that the allowance row is locked for as short a time as can be
    IF v_billing = 'PREPAID' THEN
        PERFORM ledger_draw_prepaid(p_partner_id, p_points, v_credit_limit);
    END IF;
    RETURN jsonb_build_object('entry_id', entry_id, 'balance', after.balance, 'seq', after.seq);
END $$;
