-- Burn rules and the reward catalogue (contract section 9, issue 7).
--
-- A partner's burn rules are versions, each in force from its effective_from on, never
-- edited (a change is a new version). The gateway evaluates them (partners.burn_rules) from a
-- per-process cache, which these tables' NOTIFY keeps fresh: a burn at a partner without
-- rules runs exactly the statements it ran before. A burn keeps the limits it met in its
-- entry's details; a hold keeps them until its capture, which burns under the same limits
-- (here: at least the minimum points) and records them.
--
-- Rewards are listed by their partner at a points price, with an optional stock. Redeeming
-- one is a burn at that partner plus, in the same transaction, one unit of stock taken
-- (the reward's row is locked after the member's); refunding the whole burn gives it back.

CREATE TABLE burn_rule_sets (
    id bigserial PRIMARY KEY,
    partner_id bigint NOT NULL REFERENCES partners (id),
    version integer NOT NULL CHECK (version > 0),
    effective_from timestamptz NOT NULL,
    accepts_redemption boolean NOT NULL,
    point_value numeric(18, 6) CHECK (point_value > 0),
    max_basket_share numeric(5, 4) CHECK (max_basket_share > 0 AND max_basket_share <= 1),
    minimum_basket numeric(18, 6) CHECK (minimum_basket > 0),
    minimum_points bigint CHECK (minimum_points > 0),
    currency text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    CONSTRAINT ck_burn_rule_sets_opt_out_alone CHECK (accepts_redemption OR (
        point_value IS NULL AND max_basket_share IS NULL AND minimum_basket IS NULL
        AND minimum_points IS NULL))
);
CREATE UNIQUE INDEX uq_burn_rule_sets_version ON burn_rule_sets (partner_id, version);
CREATE INDEX ix_burn_rule_sets_from ON burn_rule_sets (partner_id, effective_from);
CREATE TRIGGER burn_rule_sets_append_only BEFORE UPDATE OR DELETE ON burn_rule_sets
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Every process that caches a partner's burn terms (its rule versions and prices) hears of
-- a change at commit and reads them again.
CREATE FUNCTION burn_terms_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('burn_terms_changed', NEW.partner_id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER burn_rule_sets_notify AFTER INSERT ON burn_rule_sets
    FOR EACH ROW EXECUTE FUNCTION burn_terms_changed();
CREATE TRIGGER partner_prices_notify AFTER INSERT OR UPDATE ON partner_prices
    FOR EACH ROW EXECUTE FUNCTION burn_terms_changed();

ALTER TABLE holds ADD COLUMN details jsonb;

CREATE TABLE rewards (
    id bigserial PRIMARY KEY,
    partner_id bigint NOT NULL REFERENCES partners (id),
    name text NOT NULL,
    description text,
    points bigint NOT NULL CHECK (points > 0),
    active_from timestamptz NOT NULL,
    active_until timestamptz,
    stock bigint CHECK (stock >= 0),
    status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'RETIRED')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    retired_at timestamptz,
    CONSTRAINT ck_rewards_window CHECK (active_until IS NULL OR active_until > active_from)
);
CREATE INDEX ix_rewards_partner ON rewards (partner_id, id);

-- One per burn that redeemed a reward; stock_returned_at once a refund gave the unit back.
CREATE TABLE reward_redemptions (
    entry_id bigint PRIMARY KEY REFERENCES journal_entries (id),
    reward_id bigint NOT NULL REFERENCES rewards (id),
    member_id bigint NOT NULL,
    points bigint NOT NULL CHECK (points > 0),
    redeemed_at timestamptz NOT NULL,
    stock_returned_at timestamptz
);
CREATE INDEX ix_reward_redemptions_reward ON reward_redemptions (reward_id);

-- ledger_burn of migration 0002, plus: the limits the burn met (p_details; a capture: its
-- hold's), a capture refused below the hold's minimum points, and a reason (a reward's).
DROP FUNCTION ledger_burn(text, text, text, text, bigint, bigint, bigint, bigint, text,
                          timestamptz);
CREATE FUNCTION ledger_burn(
    p_caller text, p_key text, p_operation text, p_hash text, p_partner_id bigint,
    p_member_id bigint, p_hold_id bigint, p_points bigint, p_order_id text, p_now timestamptz,
    p_details jsonb DEFAULT NULL, p_reason text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_entry_id bigint := nextval('journal_entries_id_seq');
    v_hold record;
    v_points bigint := p_points;
    v_member_id bigint := p_member_id;
    v_order_id text := p_order_id;
    v_details jsonb := p_details;
    v_done jsonb;
    v_partner record;
    v_member member_balances;
    v_spendable bigint;
    v_available bigint;
    v_taken bigint;
    v_after record;
    v_release bigint := 0;
BEGIN
    IF p_hold_id IS NOT NULL THEN
        SELECT * INTO v_hold FROM holds WHERE id = p_hold_id AND partner_id = p_partner_id;
        IF NOT FOUND THEN
            PERFORM ledger_fail('HOLD_NOT_FOUND', 'no hold with this id', 'holdId');
        END IF;
        v_member_id := v_hold.member_id;
        v_points := coalesce(p_points, v_hold.points);
        v_order_id := v_hold.order_id;
        v_release := v_hold.points;
        v_details := v_hold.details;
    END IF;
    v_done := ledger_claim(p_caller, p_key, p_operation, p_hash,
                         jsonb_build_object('member_id', v_member_id, 'points', v_points,
                                            'transaction_id', v_entry_id, 'hold_id', p_hold_id,
                                            'debt', 0));
    IF v_done IS NOT NULL THEN
        RETURN v_done;
    END IF;
    SELECT p.status, pr.redemption_value, pr.currency INTO v_partner
      FROM partners p
      LEFT JOIN LATERAL (SELECT redemption_value, currency FROM partner_prices
                          WHERE partner_id = p.id AND effective_from <= p_now
                          ORDER BY effective_from DESC LIMIT 1) pr ON true
     WHERE p.id = p_partner_id;
    IF v_partner.status IS DISTINCT FROM 'ACTIVE' THEN
        PERFORM ledger_fail('PARTNER_SUSPENDED', 'this partner is suspended');
    ELSIF v_partner.redemption_value IS NULL THEN
        PERFORM ledger_fail('NO_PRICE_IN_FORCE',
                            format('no price was in force at %s', iso_utc(p_now)));
    END IF;
    -- a hold's own partner was shown the member when it authorized the hold
    v_member := ledger_lock_member(v_member_id,
                                   CASE WHEN p_hold_id IS NULL THEN p_partner_id END);
    IF p_hold_id IS NOT NULL THEN
        PERFORM ledger_check_capture(p_hold_id, v_points, p_now);
        IF v_points < coalesce((v_details ->> 'minimumPoints')::bigint, 0) THEN
            PERFORM ledger_fail('BURN_LIMIT_EXCEEDED',
                                format('at least %s points per burn: %s requested',
                                       v_details ->> 'minimumPoints', v_points), 'points');
        END IF;
    ELSE
        SELECT coalesce(sum(remaining), 0)::bigint INTO v_spendable FROM lots
         WHERE lots.member_id = v_member_id AND remaining > 0
           AND available_at <= p_now AND (expires_at IS NULL OR expires_at > p_now);
        v_available := greatest(0, v_spendable - v_member.held - v_member.debt);
        IF v_available < v_points AND v_member.held > 0
           AND ledger_release_expired_holds(v_member_id, p_now) > 0 THEN
            SELECT b.held INTO v_member.held FROM member_balances b
             WHERE b.member_id = v_member_id;
            v_available := greatest(0, v_spendable - v_member.held - v_member.debt);
        END IF;
        IF v_available < v_points THEN
            PERFORM ledger_fail('INSUFFICIENT_POINTS',
                                format('%s points requested, %s available', v_points,
                                       v_available), 'points');
        END IF;
    END IF;
    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, order_id, reason,
                                 occurred_at, posted_at, hold_id, currency, redemption_value,
                                 details)
    VALUES (v_entry_id, 'BURN', v_member_id, p_partner_id, v_points, v_order_id,
            coalesce(p_reason, 'Points spent'), p_now, p_now, p_hold_id, v_partner.currency,
            v_partner.redemption_value, v_details);
    INSERT INTO postings (entry_id, account_id, points)
    VALUES (v_entry_id, v_member.account_id, -v_points),
           (v_entry_id, (SELECT id FROM accounts
                        WHERE partner_id = p_partner_id AND kind = 'PARTNER_REDEEMED'), v_points);
    WITH plan AS (SELECT * FROM ledger_take_lots(v_member_id, v_points, p_now,
                                                 p_hold_id IS NOT NULL)),
         taking AS (UPDATE lots SET remaining = remaining - plan.take
                      FROM plan WHERE lots.id = plan.lot_id),
         recorded AS (INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind,
                                                    issuer_partner_id, redeemer_partner_id, points)
                      SELECT plan.lot_id, v_entry_id, v_member_id, 'BURN',
                             plan.issuer_partner_id, p_partner_id, plan.take
                        FROM plan RETURNING lot_consumptions.points)
    SELECT coalesce(sum(recorded.points), 0)::bigint INTO v_taken FROM recorded;
    IF v_taken <> v_points THEN
        RAISE EXCEPTION 'lots cover % of a checked burn of % points', v_taken, v_points;
    END IF;
    UPDATE member_balances
       SET balance = balance - v_points, held = held - v_release, seq = seq + 1,
           updated_at = p_now
     WHERE member_balances.member_id = v_member_id
    RETURNING balance, seq INTO v_after;
    IF p_hold_id IS NOT NULL THEN
        UPDATE holds SET status = 'CAPTURED', finalized_at = p_now, captured_points = v_points,
                         capture_entry_id = v_entry_id
         WHERE id = p_hold_id;
    END IF;
    PERFORM ledger_emit('burn.captured', p_partner_id, v_member_id, v_after.seq, v_entry_id, p_now,
        jsonb_build_object('transactionId', global_id('Transaction', v_entry_id),
                           'holdId', CASE WHEN p_hold_id IS NULL THEN NULL
                                          ELSE global_id('Hold', p_hold_id) END,
                           'memberId', global_id('Member', v_member_id), 'points', v_points,
                           'orderId', v_order_id, 'balance', v_after.balance));
    RETURN jsonb_build_object('member_id', v_member_id, 'points', v_points,
                              'transaction_id', v_entry_id, 'hold_id', p_hold_id, 'debt', 0);
END $$;
