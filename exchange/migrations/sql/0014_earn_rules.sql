-- Earn rules as data (contract section 9): versions per partner, never edited, each in force
-- from its effective_from on. The rules are evaluated in Python (partners/earn_rules, pure);
-- the database keeps the versions, checks that an earn used the version in force at its
-- business time, and enforces the cap per member per day under the member's lock, where two
-- earns at the edge of the cap are serialized.

CREATE TABLE earn_rule_sets (
    id bigserial PRIMARY KEY,
    partner_id bigint NOT NULL REFERENCES partners (id),
    version integer NOT NULL CHECK (version > 0),
    effective_from timestamptz NOT NULL,
    base_rate numeric(18, 6) NOT NULL CHECK (base_rate >= 0),
    -- [{"category": "fuel", "rate": "0.1"}, ...]: decimal strings, in the admin's order
    category_rates jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(category_rates) = 'array'),
    excluded_categories text[] NOT NULL DEFAULT '{}',
    minimum_purchase numeric CHECK (minimum_purchase > 0),  -- as given: 10.00 stays 10.00
    cap_per_transaction bigint CHECK (cap_per_transaction > 0),
    cap_per_member_per_day bigint CHECK (cap_per_member_per_day > 0),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    CONSTRAINT uq_earn_rule_sets_version UNIQUE (partner_id, version)
);
CREATE INDEX ix_earn_rule_sets_in_force
    ON earn_rule_sets (partner_id, effective_from DESC, version DESC);
CREATE TRIGGER earn_rule_sets_append_only BEFORE UPDATE OR DELETE ON earn_rule_sets
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Every partner's flat rate becomes its version 1, in force since it was created.
INSERT INTO earn_rule_sets (partner_id, version, effective_from, base_rate, created_at,
                            created_by)
SELECT id, 1, created_at, earn_rate, now(), 'migration 0014' FROM partners;

-- The version in force for a partner at an instant (NULL before its first).
CREATE FUNCTION earn_rule_set_at(p_partner_id bigint, p_at timestamptz) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT id FROM earn_rule_sets
     WHERE partner_id = p_partner_id AND effective_from <= p_at
     ORDER BY effective_from DESC, version DESC LIMIT 1
$$;

-- The points a member earned at a partner in [p_start, p_end) of business time: what the
-- cap per member per day counts (earns only; a return gives no room back). The member's earns
-- of the day come from ix_journal_entries_member_earns (migration 0013).
CREATE FUNCTION earned_between(p_member_id bigint, p_partner_id bigint, p_start timestamptz,
                               p_end timestamptz) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(points), 0)::bigint FROM journal_entries
     WHERE member_id = p_member_id AND partner_id = p_partner_id AND kind = 'EARN'
       AND occurred_at >= p_start AND occurred_at < p_end
$$;

-- ledger_earn of migration 0011, with the earn rules: p_rule_set_id (the version the points
-- were computed with) must be the one in force at p_occurred_at, or the earn is refused with
-- EARN_RULES_CHANGED (a process that cached the rules prices it again); with p_day_cap, the
-- points are clamped, under the member's lock, to what the cap leaves of the member's day
-- [p_day_start, p_day_end) at the partner, and details.dailyCap records it.
DROP FUNCTION ledger_earn(text, text, text, bigint, bigint, bigint, text, timestamptz,
                          timestamptz, text, numeric, numeric, jsonb);
CREATE FUNCTION ledger_earn(
    p_caller text, p_key text, p_hash text, p_member_id bigint, p_partner_id bigint,
    p_points bigint, p_order_id text, p_occurred_at timestamptz, p_now timestamptz,
    p_currency text, p_amount numeric, p_earn_rate numeric, p_details jsonb,
    p_rule_set_id bigint DEFAULT NULL, p_day_cap bigint DEFAULT NULL,
    p_day_start timestamptz DEFAULT NULL, p_day_end timestamptz DEFAULT NULL
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
    repaid bigint;
    lot_id bigint;
    after record;
BEGIN
    done := ledger_claim(p_caller, p_key, 'earnPoints', p_hash, response);
    IF done IS NOT NULL THEN
        RETURN done;
    END IF;
    SELECT p.status, p.point_validity_days, p.billing, p.credit_limit_points, pr.issue_price
      INTO partner
      FROM partners p
      LEFT JOIN LATERAL (SELECT issue_price FROM partner_prices
                          WHERE partner_id = p.id AND effective_from <= p_occurred_at
                          ORDER BY effective_from DESC LIMIT 1) pr ON true
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
    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, order_id, reason,
                                 occurred_at, posted_at, currency, amount, issue_price,
                                 earn_rate, details, prepaid)
    VALUES (entry_id, 'EARN', p_member_id, p_partner_id, v_points, p_order_id,
            format('Purchase %s %s', p_amount, p_currency), p_occurred_at, p_now, p_currency,
            p_amount, partner.issue_price, p_earn_rate, v_details, partner.billing = 'PREPAID');
    -- a member's debt (a reversal of spent points) is paid first from new points
    repaid := least(member.debt, v_points);
    IF v_points > 0 THEN
        INSERT INTO postings (entry_id, account_id, points)
        VALUES (entry_id, member.account_id, v_points),
               (entry_id, (SELECT id FROM accounts
                            WHERE partner_id = p_partner_id AND kind = 'PARTNER_ISSUED'),
                -v_points);
        INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining, issue_price,
                          earned_at, available_at, expires_at)
        VALUES (p_member_id, p_partner_id, entry_id, v_points, v_points - repaid,
                partner.issue_price, p_occurred_at, p_now,
                p_occurred_at + make_interval(days => partner.point_validity_days::int))
        RETURNING id INTO lot_id;
        IF repaid > 0 THEN
            INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id,
                                          points)
            VALUES (lot_id, entry_id, p_member_id, 'DEBT', p_partner_id, repaid);
        END IF;
    END IF;
    UPDATE member_balances
       SET balance = balance + v_points, debt = debt - repaid, seq = seq + 1, updated_at = p_now
     WHERE member_balances.member_id = p_member_id
    RETURNING balance, seq INTO after;
    PERFORM ledger_emit('points.earned', p_partner_id, p_member_id, after.seq, entry_id, p_now,
        jsonb_build_object('transactionId', global_id('Transaction', entry_id),
                           'memberId', global_id('Member', p_member_id), 'points', v_points,
                           'orderId', p_order_id,
                           'amount', jsonb_build_object('amount', p_amount::text,
                                                        'currency', p_currency),
                           'balance', after.balance));
    -- last, so that the allowance row is locked for as short a time as can be
    IF partner.billing = 'PREPAID' AND v_points > 0 THEN
        PERFORM ledger_draw_prepaid(p_partner_id, v_points, partner.credit_limit_points);
    END IF;
    RETURN response;
END $$;

-- The earn rules in a chunk of an import being posted (import_chunk of import_post_chunk,
-- the members' locks held, the keys claimed). A line priced with a version that is no longer
-- the one in force at its occurredAt (one set while the file was imported) is refused with
-- EARN_RULES_CHANGED and lets go of its key: importing the file again prices it anew. Then
-- the cap per member per day: lines whose version has one carry it in details.dailyCap
-- (limit, dayStart, dayEnd), and are clamped in line order after what the member earned at
-- the partner that day before, as ledger_earn would one by one (exactly so while one cap
-- applies to a member's day; a version with another cap starting that day is counted from
-- the points its lines asked for, never letting more through than either cap).
CREATE FUNCTION import_apply_earn_rules(p_job_id bigint, p_partner_id bigint, p_caller text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    WITH timeline AS (  -- each version in force from its start until the next start
        SELECT id, effective_from, lead(effective_from) OVER (ORDER BY effective_from) AS until
          FROM (SELECT DISTINCT ON (effective_from) id, effective_from FROM earn_rule_sets
                 WHERE partner_id = p_partner_id ORDER BY effective_from, version DESC) v),
    stale AS (
        DELETE FROM import_chunk c
         WHERE c.details ? 'ruleSet'
           AND NOT EXISTS (
               SELECT 1 FROM timeline t
                WHERE t.id = (c.details -> 'ruleSet' ->> 'id')::bigint
                  AND c.occurred_at >= t.effective_from
                  AND (t.until IS NULL OR c.occurred_at < t.until))
        RETURNING c.line_no, c.idem_key),
    refused AS (
        UPDATE import_lines l
           SET status = 'REJECTED', error_code = 'EARN_RULES_CHANGED',
               error_message = 'the partner''s earn rules changed while the file was imported:'
                               ' import it again to price this line anew'
          FROM stale s
         WHERE l.job_id = p_job_id AND l.line_no = s.line_no)
    DELETE FROM idempotency_records r USING stale s
     WHERE r.caller = p_caller AND r.key = s.idem_key;

    WITH capped AS (
        SELECT c.line_no, c.member_id, c.points,
               (c.details -> 'dailyCap' ->> 'limit')::bigint AS cap,
               (c.details -> 'dailyCap' ->> 'dayStart')::timestamptz AS day_start,
               (c.details -> 'dailyCap' ->> 'dayEnd')::timestamptz AS day_end
          FROM import_chunk c WHERE c.details ? 'dailyCap'),
    days AS (
        SELECT d.*, earned_between(d.member_id, p_partner_id, d.day_start, d.day_end) AS earned
          FROM (SELECT DISTINCT member_id, day_start, day_end FROM capped) d),
    running AS (  -- asked: the points of the day's lines up to this one, this one included
        SELECT c.*, d.earned, sum(c.points) OVER w AS asked
          FROM capped c JOIN days d USING (member_id, day_start, day_end)
        WINDOW w AS (PARTITION BY c.member_id, c.day_start ORDER BY c.line_no)),
    clamped AS (
        SELECT r.*, greatest(0, least(r.cap, r.earned + r.asked)
                                - greatest(r.earned, least(r.cap, r.earned + r.asked - r.points)))
                    AS kept
          FROM running r),
    counted AS (
        SELECT k.*, k.earned + sum(k.kept) OVER w - k.kept AS earned_before
          FROM clamped k
        WINDOW w AS (PARTITION BY k.member_id, k.day_start ORDER BY k.line_no))
    UPDATE import_chunk c
       SET points = n.kept,
           details = c.details || jsonb_build_object('dailyCap', jsonb_build_object(
               'limit', n.cap, 'earnedBefore', n.earned_before, 'points', n.kept))
      FROM counted n
     WHERE c.line_no = n.line_no;
    -- a clamped line's key answers with the points it posted
    UPDATE idempotency_records r
       SET response = jsonb_set(r.response, '{points}', to_jsonb(c.points))
      FROM import_chunk c
     WHERE c.details ? 'dailyCap' AND r.caller = p_caller AND r.key = c.idem_key
       AND (r.response ->> 'points')::bigint <> c.points;
END $$;

-- import_post_chunk of migration 0011, and the earn rules: after the chunk's keys are claimed
-- and before a prepaid partner's allowance is drawn, import_apply_earn_rules. Nothing else
-- changes.
CREATE OR REPLACE FUNCTION import_post_chunk(p_job_id bigint, p_partner_id bigint,
                                             p_caller text, p_first bigint, p_last bigint,
                                             p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    issued_account bigint;
    validity bigint;
    v_billing text;
    v_credit_limit bigint;
    posted bigint;
    unclaimed bigint[];
    v_created text := iso_utc(p_now);
    v_partner_gid text := global_id('Partner', p_partner_id);
BEGIN
    SELECT p.point_validity_days, p.billing, p.credit_limit_points
      INTO validity, v_billing, v_credit_limit FROM partners p
     WHERE p.id = p_partner_id AND p.status = 'ACTIVE';
    IF NOT FOUND THEN
        PERFORM ledger_fail('PARTNER_SUSPENDED', 'this partner is suspended');
    END IF;
    SELECT id INTO issued_account FROM accounts
     WHERE partner_id = p_partner_id AND kind = 'PARTNER_ISSUED';
    PERFORM 1 FROM member_balances
     WHERE member_id IN (SELECT member_id FROM import_lines
                          WHERE job_id = p_job_id AND line_no BETWEEN p_first AND p_last
                            AND status = 'READY')
     ORDER BY member_id FOR UPDATE;
    -- closed while the import ran (read after the locks are held)
    UPDATE import_lines l
       SET status = 'REJECTED', error_code = 'MEMBER_CLOSED',
           error_message = 'this member''s account is closed'
      FROM members m
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
       AND m.id = l.member_id AND m.status <> 'ACTIVE';

    CREATE TEMP TABLE import_chunk ON COMMIT DROP AS
    SELECT l.*, nextval('journal_entries_id_seq') AS entry_id,
           'evt_' || replace(gen_random_uuid()::text, '-', '') AS event_id
      FROM import_lines l
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
     ORDER BY l.line_no;
    -- a key claimed by a single earn since validation is left out here, classified below
    WITH claimed AS (
        INSERT INTO idempotency_records (caller, key, operation, request_hash, response)
        SELECT p_caller, c.idem_key, 'earnPoints', c.request_hash,
               jsonb_build_object('member_id', c.member_id, 'points', c.points,
                                  'transaction_id', c.entry_id, 'hold_id', NULL, 'debt', 0)
          FROM import_chunk c
        ON CONFLICT DO NOTHING RETURNING key),
    dropped AS (
        DELETE FROM import_chunk c
         WHERE NOT EXISTS (SELECT 1 FROM claimed WHERE claimed.key = c.idem_key)
        RETURNING c.line_no)
    SELECT array_agg(line_no) INTO unclaimed FROM dropped;
    PERFORM import_apply_earn_rules(p_job_id, p_partner_id, p_caller);
    IF v_billing = 'PREPAID' THEN
        PERFORM import_draw_prepaid(p_job_id, p_partner_id, p_caller, v_credit_limit);
    END IF;

    CREATE TEMP TABLE import_posting ON COMMIT DROP AS
    SELECT c.*, b.account_id,
           b.seq + row_number() OVER w AS seq,
           b.balance + sum(c.points) OVER w AS balance_after,
           greatest(0, least(c.points, b.debt - (sum(c.points) OVER w - c.points))) AS repaid
      FROM import_chunk c JOIN member_balances b ON b.member_id = c.member_id
    WINDOW w AS (PARTITION BY c.member_id ORDER BY c.line_no);

    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, order_id, reason,
                                 occurred_at, posted_at, currency, amount, issue_price,
                                 earn_rate, details, prepaid)
    SELECT entry_id, 'EARN', member_id, p_partner_id, points, order_id,
           format('Purchase %s %s', amount, currency), occurred_at, p_now, currency, amount,
           issue_price, earn_rate, details, v_billing = 'PREPAID'
      FROM import_posting ORDER BY line_no;
    INSERT INTO postings (entry_id, account_id, points)
    SELECT p.entry_id, side.account_id, side.points
      FROM import_posting p
     CROSS JOIN LATERAL (VALUES (p.account_id, p.points), (issued_account, -p.points))
           AS side (account_id, points)
     WHERE p.points > 0;
    WITH new_lots AS (
        INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining,
                          issue_price, earned_at, available_at, expires_at)
        SELECT member_id, p_partner_id, entry_id, points, points - repaid, issue_price,
               occurred_at, p_now, occurred_at + make_interval(days => validity::int)
          FROM import_posting WHERE points > 0 ORDER BY line_no
        RETURNING id, entry_id)
    INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id, points)
    SELECT n.id, p.entry_id, p.member_id, 'DEBT', p_partner_id, p.repaid
      FROM new_lots n JOIN import_posting p ON p.entry_id = n.entry_id
     WHERE p.repaid > 0;
    UPDATE member_balances b
       SET balance = b.balance + a.points, debt = b.debt - a.repaid, seq = b.seq + a.lines,
           updated_at = p_now
      FROM (SELECT member_id, sum(points) AS points, sum(repaid) AS repaid, count(*) AS lines
              FROM import_posting GROUP BY member_id) a
     WHERE b.member_id = a.member_id;
    INSERT INTO outbox_events (event_id, event_type, partner_id, member_id, member_seq, entry_id,
                               payload, created_at)
    SELECT event_id, 'points.earned', p_partner_id, member_id, seq, entry_id,
           jsonb_build_object('type', 'points.earned', 'id', event_id,
                              'createdAt', v_created, 'partnerId', v_partner_gid,
                              'data', jsonb_build_object(
                                  'transactionId', global_id('Transaction', entry_id),
                                  'memberId', global_id('Member', member_id), 'points', points,
                                  'orderId', order_id,
                                  'amount', jsonb_build_object('amount', amount::text,
                                                               'currency', currency),
                                  'balance', balance_after, 'memberSequence', seq)),
           p_now
      FROM import_posting ORDER BY line_no;
    SELECT count(*) INTO posted FROM import_posting;
    IF unclaimed IS NOT NULL THEN
        PERFORM import_classify_used_keys(p_job_id, p_caller, line_no, line_no)
           FROM unnest(unclaimed) AS line_no;
    END IF;
    UPDATE import_jobs SET lines_posted = lines_posted + posted WHERE id = p_job_id;
    DROP TABLE import_chunk;
    DROP TABLE import_posting;
    RETURN posted;
END $$;
