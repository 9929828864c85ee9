-- Campaigns (contract section 9, issue 7): time-boxed multipliers, fixed bonuses and instant
-- wins, targeted by partner, category, tier or member segment, funded by the partner at whose
-- till the purchase is made or by the operator, within budgets that are never overspent; a
-- promo code is a campaign that applies only to the earns that present its code.
--
-- The campaigns are evaluated in Python (partners/campaigns, pure) from a per-process cache of
-- every version; the database keeps the versions, checks that an earn was priced with the
-- campaigns as they are now (campaign_generation, as earn_rule_set_at does for earn rules),
-- and, under the member's lock, counts each campaign's budget and the member's limits, draws
-- instant wins and posts what the campaigns give as BONUS entries beside the EARN.

-- Member segments a campaign may target: a named list of members, or the members enrolled in
-- [enrolled_from, enrolled_until). Their definitions never change; a list's members may.
CREATE TABLE campaign_segments (
    id bigserial PRIMARY KEY,
    code text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('LIST', 'ENROLLED')),
    enrolled_from timestamptz,
    enrolled_until timestamptz,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    CONSTRAINT ck_campaign_segments_range CHECK (
        (kind = 'ENROLLED') = (enrolled_from IS NOT NULL OR enrolled_until IS NOT NULL)
        AND (enrolled_until IS NULL OR enrolled_from IS NULL OR enrolled_until > enrolled_from))
);
CREATE UNIQUE INDEX uq_campaign_segments_code ON campaign_segments (code);
CREATE TRIGGER campaign_segments_append_only BEFORE UPDATE OR DELETE ON campaign_segments
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TABLE campaign_segment_members (
    member_id bigint NOT NULL REFERENCES members (id),
    segment_id bigint NOT NULL REFERENCES campaign_segments (id),
    added_at timestamptz NOT NULL,
    PRIMARY KEY (member_id, segment_id)
);

-- A campaign: its code, its promo code (if it is one) and the seed its control group and
-- instant-win draws derive from (secret until the campaign ends; its SHA-256 is published
-- from the start).
CREATE TABLE campaigns (
    id bigserial PRIMARY KEY,
    code text NOT NULL,
    promo_code text,
    seed bytea NOT NULL CHECK (length(seed) = 32),
    seed_sha256 text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE UNIQUE INDEX uq_campaigns_code ON campaigns (code);
CREATE UNIQUE INDEX uq_campaigns_promo_code ON campaigns (upper(promo_code))
    WHERE promo_code IS NOT NULL;
CREATE TRIGGER campaigns_append_only BEFORE UPDATE OR DELETE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- What a campaign says, version by version, each in force from its effective_from on.
CREATE TABLE campaign_versions (
    id bigserial PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id),
    version integer NOT NULL CHECK (version > 0),
    effective_from timestamptz NOT NULL,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('MULTIPLIER', 'BONUS', 'INSTANT_WIN')),
    factor numeric(10, 4) CHECK (factor > 1),
    points bigint CHECK (points > 0),
    chance_wins integer CHECK (chance_wins > 0),
    chance_out_of integer CHECK (chance_out_of >= chance_wins),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz,
    partner_ids bigint[] NOT NULL DEFAULT '{}',
    categories text[] NOT NULL DEFAULT '{}',
    tiers text[] NOT NULL DEFAULT '{}',
    segment_id bigint REFERENCES campaign_segments (id),
    minimum_spend numeric CHECK (minimum_spend > 0),
    funder text NOT NULL CHECK (funder IN ('PARTNER', 'OPERATOR')),
    points_total bigint CHECK (points_total > 0),
    points_per_member bigint CHECK (points_per_member > 0),
    uses_total bigint CHECK (uses_total > 0),
    uses_per_member bigint CHECK (uses_per_member > 0),
    control_percent numeric(5, 2) NOT NULL DEFAULT 0
        CHECK (control_percent >= 0 AND control_percent <= 50),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    CONSTRAINT uq_campaign_versions_version UNIQUE (campaign_id, version),
    -- an empty window (ends_at = starts_at): a campaign ended before it started
    CONSTRAINT ck_campaign_versions_window CHECK (ends_at IS NULL OR ends_at >= starts_at),
    CONSTRAINT ck_campaign_versions_kind CHECK (CASE kind
        WHEN 'MULTIPLIER' THEN factor IS NOT NULL AND points IS NULL AND chance_wins IS NULL
        WHEN 'BONUS' THEN factor IS NULL AND points IS NOT NULL AND chance_wins IS NULL
        ELSE factor IS NULL AND points IS NOT NULL AND chance_wins IS NOT NULL
             AND chance_out_of IS NOT NULL AND ends_at IS NOT NULL END)
);
CREATE TRIGGER campaign_versions_append_only BEFORE UPDATE OR DELETE ON campaign_versions
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Every process caches the campaigns with the generation it read them at; an earn passes that
-- generation to ledger_earn, which refuses it with CAMPAIGNS_CHANGED when a version was added
-- since (the process reads them again and prices once more).
CREATE TABLE campaign_generation (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint NOT NULL
);
INSERT INTO campaign_generation VALUES (true, 0);

CREATE FUNCTION campaign_versions_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_generation SET generation = generation + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER campaign_versions_generation AFTER INSERT ON campaign_versions
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_versions_changed();

-- A campaign's limits (the latest version's: a budget is the campaign's, whatever version
-- priced a purchase) and what it gave against its total limits. An earn locks this row only
-- when the campaign has a total limit (points or uses); the CHECKs back the earn's arithmetic.
CREATE TABLE campaign_budgets (
    campaign_id bigint PRIMARY KEY REFERENCES campaigns (id),
    points_total bigint,
    points_per_member bigint,
    uses_total bigint,
    uses_per_member bigint,
    points_given bigint NOT NULL DEFAULT 0,
    uses bigint NOT NULL DEFAULT 0,
    CONSTRAINT ck_campaign_budgets_points CHECK (points_total IS NULL
                                                 OR points_given BETWEEN 0 AND points_total),
    CONSTRAINT ck_campaign_budgets_uses CHECK (uses_total IS NULL OR uses BETWEEN 0 AND uses_total)
);

-- A member a campaign met at an earn: in its control group or not (recorded the first time,
-- derived from the campaign's seed and the member), and the points and uses it was given
-- (counted under the member's lock, against the per-member limits).
CREATE TABLE campaign_members (
    campaign_id bigint NOT NULL REFERENCES campaigns (id),
    member_id bigint NOT NULL REFERENCES members (id),
    control boolean NOT NULL,
    points bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
    uses bigint NOT NULL DEFAULT 0 CHECK (uses >= 0),
    first_at timestamptz NOT NULL,
    last_at timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, member_id)
);

-- Is the member in the campaign's control group? sha256(seed || 'control:' || member id): its
-- first 15 hex digits as a number v in [0, 16^15); held out when v x 100 < percent x 16^15
-- (partners.campaigns.control computes the same).
CREATE FUNCTION campaign_control(p_seed bytea, p_member_id bigint, p_percent numeric)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_percent > 0 AND ('x' || lpad(substr(encode(sha256(p_seed || convert_to(
               'control:' || p_member_id::text, 'UTF8')), 'hex'), 1, 15), 16, '0'))
               ::bit(64)::bigint::numeric * 100 < p_percent * 1152921504606846976
$$;

-- An instant win's draw: sha256(seed || 'draw:' || the EARN's global id), its first 15 hex
-- digits as v; won when v x outOf < wins x 16^15 (partners.campaigns.draws re-checks it).
CREATE FUNCTION campaign_draw(p_seed bytea, p_entry_id bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT substr(encode(sha256(p_seed || convert_to('draw:' || global_id('Transaction',
                                                                         p_entry_id),
                                                     'UTF8')), 'hex'), 1, 15)
$$;

-- One campaign's claim at an earn, under the member's lock (its keys: campaign, wanted,
-- heldOut, promo, kind, chance {wins, outOf}): a held-out member is recorded in the control
-- group and given nothing; an instant win is drawn first (a loss is given nothing); then the
-- member's use and point limits and the campaign's total ones (its budget row locked, in
-- campaign id order, after the member's) give what remains of the wanted points, an instant
-- win's prize whole or not at all. A promo code the limits leave nothing for refuses the earn
-- (PROMO_CODE_LIMIT_REACHED). Returns the claim with what it got: points, limitedBy, draw.
CREATE FUNCTION campaign_grant(p_claim jsonb, p_member_id bigint, p_entry_id bigint,
                               p_now timestamptz) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_campaign bigint := (p_claim ->> 'campaign')::bigint;
    v_wanted bigint := (p_claim ->> 'wanted')::bigint;
    v_promo boolean := coalesce((p_claim ->> 'promo')::boolean, false);
    v_points bigint;
    v_limited text;
    v_hex text;
    v_won boolean;
    outcome jsonb := p_claim;
    budget campaign_budgets;
    mine campaign_members;
BEGIN
    IF coalesce((p_claim ->> 'heldOut')::boolean, false) THEN
        INSERT INTO campaign_members (campaign_id, member_id, control, first_at, last_at)
        VALUES (v_campaign, p_member_id, true, p_now, p_now)
        ON CONFLICT (campaign_id, member_id) DO UPDATE SET last_at = p_now;
        RETURN outcome || jsonb_build_object('points', 0);
    END IF;
    IF p_claim ->> 'kind' = 'INSTANT_WIN' THEN
        v_hex := campaign_draw((SELECT seed FROM campaigns WHERE id = v_campaign), p_entry_id);
        v_won := ('x' || lpad(v_hex, 16, '0'))::bit(64)::bigint::numeric
                 * (p_claim -> 'chance' ->> 'outOf')::numeric
                 < (p_claim -> 'chance' ->> 'wins')::numeric * 1152921504606846976;
        outcome := outcome || jsonb_build_object('draw', jsonb_build_object('value', v_hex,
                                                                            'won', v_won));
        IF NOT v_won THEN
            RETURN outcome || jsonb_build_object('points', 0);
        END IF;
    END IF;
    SELECT * INTO mine FROM campaign_members
     WHERE campaign_id = v_campaign AND member_id = p_member_id;
    SELECT * INTO budget FROM campaign_budgets WHERE campaign_id = v_campaign;
    IF budget.points_total IS NOT NULL OR budget.uses_total IS NOT NULL THEN
        SELECT * INTO budget FROM campaign_budgets WHERE campaign_id = v_campaign FOR UPDATE;
    END IF;
    v_points := v_wanted;
    IF budget.uses_per_member IS NOT NULL AND coalesce(mine.uses, 0) >= budget.uses_per_member
    THEN
        v_points := 0;
        v_limited := 'USES_PER_MEMBER';
    ELSIF budget.uses_total IS NOT NULL AND budget.uses >= budget.uses_total THEN
        v_points := 0;
        v_limited := 'USES_TOTAL';
    END IF;
    IF budget.points_per_member IS NOT NULL
       AND v_points > budget.points_per_member - coalesce(mine.points, 0) THEN
        v_points := greatest(0, budget.points_per_member - coalesce(mine.points, 0));
        v_limited := 'POINTS_PER_MEMBER';
    END IF;
    IF budget.points_total IS NOT NULL AND v_points > budget.points_total - budget.points_given
    THEN
        v_points := budget.points_total - budget.points_given;
        v_limited := 'POINTS_TOTAL';
    END IF;
    IF p_claim ->> 'kind' = 'INSTANT_WIN' AND v_points < v_wanted THEN
        v_points := 0;  -- a prize is given whole or not at all
    END IF;
    IF v_promo AND v_points = 0 THEN
        PERFORM ledger_fail('PROMO_CODE_LIMIT_REACHED',
            format('promo code %s: %s', p_claim ->> 'promoCode', CASE v_limited
                WHEN 'USES_PER_MEMBER' THEN format('this member has used it %s times, its limit',
                                                   budget.uses_per_member)
                WHEN 'USES_TOTAL' THEN format('it was used %s times, its limit', budget.uses_total)
                WHEN 'POINTS_PER_MEMBER' THEN format('this member was given its %s points',
                                                     budget.points_per_member)
                ELSE format('its budget of %s points is spent', budget.points_total) END),
            'promoCode');
    END IF;
    IF v_points > 0 AND (budget.points_total IS NOT NULL OR budget.uses_total IS NOT NULL) THEN
        UPDATE campaign_budgets SET points_given = points_given + v_points, uses = uses + 1
         WHERE campaign_id = v_campaign;
    END IF;
    INSERT INTO campaign_members (campaign_id, member_id, control, points, uses, first_at,
                                  last_at)
    VALUES (v_campaign, p_member_id, false, v_points, (v_points > 0)::int, p_now, p_now)
    ON CONFLICT (campaign_id, member_id) DO UPDATE
       SET points = campaign_members.points + v_points,
           uses = campaign_members.uses + (v_points > 0)::int, last_at = p_now;
    outcome := outcome || jsonb_build_object('points', v_points);
    IF v_limited IS NOT NULL AND v_points < v_wanted THEN
        outcome := outcome || jsonb_build_object('limitedBy', v_limited);
    END IF;
    RETURN outcome;
END $$;

-- A campaign's points at an earn: a BONUS entry beside the EARN (original_entry_id), issued by
-- the partner that funds it (its PARTNER_ISSUED account, a lot at its issue price, billed by
-- settlement as issued, drawn from a PREPAID partner's blocks) or by the operator
-- (OPERATOR_BONUS, a lot without issuer or price: the operator pays when it is redeemed); the
-- lot expires with the earn's. p_debt: what is left of the member's debt; returns what this paid.
CREATE FUNCTION campaign_post_award(p_outcome jsonb, p_earn_id bigint, p_member_id bigint,
                                    p_account_id bigint, p_partner_id bigint,
                                    p_issue_price numeric, p_prepaid boolean,
                                    p_order_id text, p_occurred_at timestamptz,
                                    p_expires_at timestamptz, p_now timestamptz,
                                    p_debt bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_entry bigint := (p_outcome ->> 'entry')::bigint;
    v_points bigint := (p_outcome ->> 'points')::bigint;
    v_operator boolean := p_outcome ->> 'funder' = 'OPERATOR';
    v_issuer bigint := CASE WHEN v_operator THEN NULL ELSE p_partner_id END;
    v_repaid bigint := least(p_debt, v_points);
    v_lot bigint;
BEGIN
    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, order_id, reason,
                                 occurred_at, posted_at, original_entry_id, issue_price,
                                 details, prepaid)
    VALUES (v_entry, 'BONUS', p_member_id, v_issuer, v_points, p_order_id,
            p_outcome ->> 'reason', p_occurred_at, p_now, p_earn_id,
            CASE WHEN v_operator THEN NULL ELSE p_issue_price END,
            p_outcome - 'reason' - 'entry', p_prepaid AND NOT v_operator);
    INSERT INTO postings (entry_id, account_id, points)
    VALUES (v_entry, p_account_id, v_points),
           (v_entry, (SELECT id FROM accounts
                       WHERE kind = CASE WHEN v_operator THEN 'OPERATOR_BONUS'
                                         ELSE 'PARTNER_ISSUED' END
                         AND partner_id IS NOT DISTINCT FROM v_issuer AND member_id IS NULL),
            -v_points);
    INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining, issue_price,
                      earned_at, available_at, expires_at)
    VALUES (p_member_id, v_issuer, v_entry, v_points, v_points - v_repaid,
            CASE WHEN v_operator THEN NULL ELSE p_issue_price END, p_occurred_at, p_now,
            p_expires_at)
    RETURNING id INTO v_lot;
    IF v_repaid > 0 THEN
        INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id,
                                      points)
        VALUES (v_lot, v_entry, p_member_id, 'DEBT', v_issuer, v_repaid);
    END IF;
    RETURN v_repaid;
END $$;

-- ledger_earn of migration 0014, and campaigns: p_campaign_generation (the generation the
-- campaigns were read at) must be the current one, or the earn is refused with
-- CAMPAIGNS_CHANGED; p_campaigns (the claims of the campaigns that apply, in campaign id
-- order) are granted under the member's lock (campaign_grant), kept in the EARN's
-- details.campaigns, and what they give is posted as BONUS entries (campaign_post_award). The
-- points.earned event carries campaignPoints and the balance after all of it.
DROP FUNCTION ledger_earn(text, text, text, bigint, bigint, bigint, text, timestamptz,
                          timestamptz, text, numeric, numeric, jsonb, bigint, bigint,
                          timestamptz, timestamptz);
CREATE FUNCTION ledger_earn(
    p_caller text, p_key text, p_hash text, p_member_id bigint, p_partner_id bigint,
    p_points bigint, p_order_id text, p_occurred_at timestamptz, p_now timestamptz,
    p_currency text, p_amount numeric, p_earn_rate numeric, p_details jsonb,
    p_rule_set_id bigint DEFAULT NULL, p_day_cap bigint DEFAULT NULL,
    p_day_start timestamptz DEFAULT NULL, p_day_end timestamptz DEFAULT NULL,
    p_campaign_generation bigint DEFAULT NULL, p_campaigns jsonb DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    entry_id bigint := nextval('journal_entries_id_seq');
    response jsonb := jsonb_build_object('member_id', p_member_id, 'points', p_points,
                                         'transaction_id', entry_id, 'hold_id', NULL, 'debt', 0);
    done jsonb;
    partner record;
    member member_balances;
    v_points bigint := p_points;
    v_details jsonb := p_details;
    v_earned_before bigint;
    v_claim jsonb;
    v_outcome jsonb;
    v_outcomes jsonb := '[]'::jsonb;
    v_bonus bigint := 0;
    v_partner_bonus bigint := 0;
    v_expires timestamptz;
    repaid bigint;
    lot_id bigint;
    after record;
BEGIN
    done := ledger_claim(p_caller, p_key, 'earnPoints', p_hash, response);
    IF done IS NOT NULL THEN
        RETURN done;
    END IF;
    -- the campaigns' generation is read in the partner's statement: no statement more per earn
    SELECT p.status, p.point_validity_days, p.billing, p.credit_limit_points, pr.issue_price,
           g.generation AS campaign_generation
      INTO partner
      FROM partners p
      LEFT JOIN LATERAL (SELECT issue_price FROM partner_prices
                          WHERE partner_id = p.id AND effective_from <= p_occurred_at
                          ORDER BY effective_from DESC LIMIT 1) pr ON true
      CROSS JOIN campaign_generation g
     WHERE p.id = p_partner_id;
    IF partner.status IS DISTINCT FROM 'ACTIVE' THEN
        PERFORM ledger_fail('PARTNER_SUSPENDED', 'this partner is suspended');
    ELSIF partner.issue_price IS NULL THEN
        PERFORM ledger_fail('NO_PRICE_IN_FORCE',
                            format('no price was in force at %s', iso_utc(p_occurred_at)),
                            'occurredAt');
    ELSIF p_rule_set_id IS NOT NULL
          AND p_rule_set_id IS DISTINCT FROM earn_rule_set_at(p_partner_id, p_occurred_at) THEN
        PERFORM ledger_fail('EARN_RULES_CHANGED',
                            format('the earn rules in force at %s changed: price the purchase'
                                   ' again', iso_utc(p_occurred_at)), 'occurredAt');
    ELSIF p_campaign_generation IS NOT NULL
          AND p_campaign_generation IS DISTINCT FROM partner.campaign_generation THEN
        PERFORM ledger_fail('CAMPAIGNS_CHANGED',
                            'the campaigns changed: price the purchase again');
    END IF;
    member := ledger_lock_member(p_member_id, p_partner_id);
    IF p_day_cap IS NOT NULL THEN  -- under the lock: earns of this member are serialized
        v_earned_before := earned_between(p_member_id, p_partner_id, p_day_start, p_day_end);
        v_points := greatest(0, least(p_points, p_day_cap - v_earned_before));
        v_details := coalesce(v_details, '{}'::jsonb) || jsonb_build_object('dailyCap',
            jsonb_build_object('limit', p_day_cap, 'earnedBefore', v_earned_before,
                               'points', v_points));
        IF v_points <> p_points THEN
            response := jsonb_set(response, '{points}', to_jsonb(v_points));
            UPDATE idempotency_records r SET response = jsonb_set(r.response, '{points}',
                                                                  to_jsonb(v_points))
             WHERE r.caller = p_caller AND r.key = p_key;
        END IF;
    END IF;
    FOR v_claim IN SELECT value FROM jsonb_array_elements(coalesce(p_campaigns, '[]'::jsonb))
                       WITH ORDINALITY ORDER BY ordinality
    LOOP
        v_outcome := campaign_grant(v_claim, p_member_id, entry_id, p_now);
        IF (v_outcome ->> 'points')::bigint > 0 THEN
            v_outcome := v_outcome || jsonb_build_object('entry',
                                                         nextval('journal_entries_id_seq'));
            v_bonus := v_bonus + (v_outcome ->> 'points')::bigint;
            IF v_outcome ->> 'funder' = 'PARTNER' THEN
                v_partner_bonus := v_partner_bonus + (v_outcome ->> 'points')::bigint;
            END IF;
        END IF;
        v_outcomes := v_outcomes || jsonb_build_array(v_outcome);
    END LOOP;
    IF p_campaigns IS NOT NULL AND jsonb_array_length(p_campaigns) > 0 THEN
        v_details := coalesce(v_details, '{}'::jsonb)
                     || jsonb_build_object('campaigns', v_outcomes);
    END IF;
    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, order_id, reason,
                                 occurred_at, posted_at, currency, amount, issue_price,
                                 earn_rate, details, prepaid)
    VALUES (entry_id, 'EARN', p_member_id, p_partner_id, v_points, p_order_id,
            format('Purchase %s %s', p_amount, p_currency), p_occurred_at, p_now, p_currency,
            p_amount, partner.issue_price, p_earn_rate, v_details, partner.billing = 'PREPAID');
    -- a member's debt (a reversal of spent points) is paid first from new points
    repaid := least(member.debt, v_points);
    v_expires := p_occurred_at + make_interval(days => partner.point_validity_days::int);
    IF v_points > 0 THEN
        INSERT INTO postings (entry_id, account_id, points)
        VALUES (entry_id, member.account_id, v_points),
               (entry_id, (SELECT id FROM accounts
                            WHERE partner_id = p_partner_id AND kind = 'PARTNER_ISSUED'),
                -v_points);
        INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining, issue_price,
                          earned_at, available_at, expires_at)
        VALUES (p_member_id, p_partner_id, entry_id, v_points, v_points - repaid,
                partner.issue_price, p_occurred_at, p_now, v_expires)
        RETURNING id INTO lot_id;
        IF repaid > 0 THEN
            INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id,
                                          points)
            VALUES (lot_id, entry_id, p_member_id, 'DEBT', p_partner_id, repaid);
        END IF;
    END IF;
    FOR v_outcome IN SELECT value FROM jsonb_array_elements(v_outcomes) WITH ORDINALITY
                      WHERE (value ->> 'points')::bigint > 0 ORDER BY ordinality
    LOOP
        repaid := repaid + campaign_post_award(v_outcome, entry_id, p_member_id,
                                               member.account_id, p_partner_id,
                                               partner.issue_price,
                                               partner.billing = 'PREPAID', p_order_id,
                                               p_occurred_at, v_expires, p_now,
                                               member.debt - repaid);
    END LOOP;
    UPDATE member_balances
       SET balance = balance + v_points + v_bonus, debt = debt - repaid, seq = seq + 1,
           updated_at = p_now
     WHERE member_balances.member_id = p_member_id
    RETURNING balance, seq INTO after;
    PERFORM ledger_emit('points.earned', p_partner_id, p_member_id, after.seq, entry_id, p_now,
        jsonb_build_object('transactionId', global_id('Transaction', entry_id),
                           'memberId', global_id('Member', p_member_id), 'points', v_points,
                           'orderId', p_order_id,
                           'amount', jsonb_build_object('amount', p_amount::text,
                                                        'currency', p_currency),
                           'balance', after.balance)
        || CASE WHEN v_bonus > 0 THEN jsonb_build_object('campaignPoints', v_bonus)
                ELSE '{}'::jsonb END);
    -- last, so that the allowance row is locked for as short a time as can be
    IF partner.billing = 'PREPAID' AND v_points + v_partner_bonus > 0 THEN
        PERFORM ledger_draw_prepaid(p_partner_id, v_points + v_partner_bonus,
                                    partner.credit_limit_points);
    END IF;
    RETURN response;
END $$;
