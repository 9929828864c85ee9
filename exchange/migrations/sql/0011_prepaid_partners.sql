-- Prepaid partners (contract section 6). A partner is POSTPAID (billed for the points it
-- issues) or PREPAID: it buys point blocks and issues points against them, and an earn
-- beyond the points it bought plus its credit limit is refused with PARTNER_CREDIT_LIMIT.
--
-- The one hot row of the hot path, by design: the architecture keeps partners off it (their
-- totals are aggregated when asked), but a limit is a running total that must be checked
-- and drawn atomically, so a PREPAID partner's earns (single or imported) update its
-- allowance row and serialize on it. That is the price of the limit, paid by prepaid
-- partners only: a POSTPAID partner's earn runs exactly the statements it ran before (its
-- billing comes with the partner row the earn already reads) and takes no lock more.
--
-- Locks are taken member(s) first, then the allowance, by every writer (earn, import,
-- reversal); buying a block takes the partner row, then the allowance.

-- What the partner bought: append-only. Settlement bills a block in the batch that covers
-- it by the same rule as entries (migration 0009): its posted_at and the transaction that
-- wrote it (xid) against the batch's cut-off and snapshot.
CREATE TABLE point_blocks (
    id bigserial PRIMARY KEY,
    partner_id bigint NOT NULL REFERENCES partners (id),
    points bigint NOT NULL CHECK (points > 0),
    price_per_point numeric(18, 6) NOT NULL CHECK (price_per_point >= 0),
    currency text NOT NULL,
    reference text NOT NULL,
    bought_at timestamptz NOT NULL,
    posted_at timestamptz NOT NULL,
    created_by text NOT NULL,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX ix_point_blocks_partner ON point_blocks (partner_id, id);
CREATE INDEX ix_point_blocks_posted ON point_blocks (posted_at);
CREATE TRIGGER point_blocks_append_only BEFORE UPDATE OR DELETE ON point_blocks
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- One row per partner that is or was PREPAID: points bought (the sum of its blocks) and
-- drawn (its prepaid earns less their reversals). An earn may draw while
-- drawn + points <= bought + the partner's credit_limit_points.
CREATE TABLE prepaid_allowances (
    partner_id bigint PRIMARY KEY REFERENCES partners (id),
    points_bought bigint NOT NULL DEFAULT 0 CHECK (points_bought >= 0),
    points_drawn bigint NOT NULL DEFAULT 0 CHECK (points_drawn >= 0)
);
INSERT INTO prepaid_allowances (partner_id) SELECT id FROM partners WHERE billing = 'PREPAID';

-- An earn that drew from its partner's allowance, and the reversals of such an earn (they
-- give the points back): settlement bills these points through blocks, not as issuance.
ALTER TABLE journal_entries ADD COLUMN prepaid boolean NOT NULL DEFAULT false;
ALTER TABLE partners ADD CONSTRAINT ck_partners_credit_limit_not_negative
    CHECK (credit_limit_points >= 0);

-- Settlement: a PREPAID partner's issuance was paid for with its blocks, so its earns (and
-- their reversals) are shown at a unit price of 0 under kinds of their own, and the blocks
-- bought in the period are billed (points x price) as POINT_BLOCK lines.
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_kind_check;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_kind_check
    CHECK (kind IN ('POINT_BLOCK', 'ISSUED', 'ISSUED_PREPAID', 'ISSUE_REVERSED',
                    'ISSUE_REVERSED_PREPAID', 'REDEEMED', 'REDEMPTION_REFUNDED',
                    'BREAKAGE_CREDIT'));
ALTER TABLE settlement_statements ADD COLUMN bought_points bigint NOT NULL DEFAULT 0;

-- Draws an earn's points from a prepaid partner's allowance, or refuses the earn (and so
-- the whole statement). The caller holds the member's lock. The condition is evaluated on
-- the row as the last committed draw left it (READ COMMITTED re-checks it after the wait),
-- so concurrent earns never draw beyond the limit together.
CREATE FUNCTION ledger_draw_prepaid(p_partner_id bigint, p_points bigint, p_credit_limit bigint)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_left bigint;
BEGIN
    UPDATE prepaid_allowances SET points_drawn = points_drawn + p_points
     WHERE partner_id = p_partner_id
       AND points_drawn + p_points <= points_bought + p_credit_limit;
    IF NOT FOUND THEN
        SELECT points_bought + p_credit_limit - points_drawn INTO v_left
          FROM prepaid_allowances WHERE partner_id = p_partner_id;
        PERFORM ledger_fail('PARTNER_CREDIT_LIMIT',
            format('%s points go beyond the partner''s point blocks and credit limit: %s'
                   ' points are left', p_points, greatest(coalesce(v_left, 0), 0)));
    END IF;
END $$;

-- ledger_earn of migration 0002, and for a PREPAID partner: the entry is marked prepaid
-- and its points are drawn from the partner's allowance. Nothing else changes.
CREATE OR REPLACE FUNCTION ledger_earn(
    p_caller text, p_key text, p_hash text, p_member_id bigint, p_partner_id bigint,
    p_points bigint, p_order_id text, p_occurred_at timestamptz, p_now timestamptz,
    p_currency text, p_amount numeric, p_earn_rate numeric, p_details jsonb
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    entry_id bigint := nextval('journal_entries_id_seq');
    response jsonb := jsonb_build_object('member_id', p_member_id, 'points', p_points,
                                         'transaction_id', entry_id, 'hold_id', NULL, 'debt', 0);
    done jsonb;
    partner record;
    member member_balances;
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
    END IF;
    member := ledger_lock_member(p_member_id, p_partner_id);
    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, order_id, reason,
                                 occurred_at, posted_at, currency, amount, issue_price,
                                 earn_rate, details, prepaid)
    VALUES (entry_id, 'EARN', p_member_id, p_partner_id, p_points, p_order_id,
            format('Purchase %s %s', p_amount, p_currency), p_occurred_at, p_now, p_currency,
            p_amount, partner.issue_price, p_earn_rate, p_details, partner.billing = 'PREPAID');
    -- a member's debt (a reversal of spent points) is paid first from new points
    repaid := least(member.debt, p_points);
    IF p_points > 0 THEN
        INSERT INTO postings (entry_id, account_id, points)
        VALUES (entry_id, member.account_id, p_points),
               (entry_id, (SELECT id FROM accounts
                            WHERE partner_id = p_partner_id AND kind = 'PARTNER_ISSUED'),
                -p_points);
        INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining, issue_price,
                          earned_at, available_at, expires_at)
        VALUES (p_member_id, p_partner_id, entry_id, p_points, p_points - repaid,
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
       SET balance = balance + p_points, debt = debt - repaid, seq = seq + 1, updated_at = p_now
     WHERE member_balances.member_id = p_member_id
    RETURNING balance, seq INTO after;
    PERFORM ledger_emit('points.earned', p_partner_id, p_member_id, after.seq, entry_id, p_now,
        jsonb_build_object('transactionId', global_id('Transaction', entry_id),
                           'memberId', global_id('Member', p_member_id), 'points', p_points,
                           'orderId', p_order_id,
                           'amount', jsonb_build_object('amount', p_amount::text,
                                                        'currency', p_currency),
                           'balance', after.balance));
    -- last, so that the allowance row is locked for as short a time as can be
    IF partner.billing = 'PREPAID' AND p_points > 0 THEN
        PERFORM ledger_draw_prepaid(p_partner_id, p_points, partner.credit_limit_points);
    END IF;
    RETURN response;
END $$;
-- Where an import of a prepaid partner's file ran out of points: the first line refused
-- with PARTNER_CREDIT_LIMIT (every later line with points is refused too).
ALTER TABLE import_jobs ADD COLUMN credit_limit_line bigint;

-- A prepaid partner's chunk (its claimed lines: the temporary table import_chunk of
-- import_post_chunk) draws from the allowance in line order, set-based: lines are posted
-- while the running sum of their points fits in what is left (bought + credit limit -
-- drawn). The first line that does not fit and every later line with points, in this chunk
-- and the job's later ones, are refused with PARTNER_CREDIT_LIMIT and let go of the keys
-- they claimed; the lines before them are never held back. The members' locks are held.
CREATE FUNCTION import_draw_prepaid(p_job_id bigint, p_partner_id bigint, p_caller text,
                                    p_credit_limit bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_left bigint;
BEGIN
    SELECT a.points_bought + p_credit_limit - a.points_drawn INTO v_left
      FROM prepaid_allowances a WHERE a.partner_id = p_partner_id FOR UPDATE;
    IF v_left IS NULL OR (SELECT j.credit_limit_line IS NOT NULL FROM import_jobs j
                           WHERE j.id = p_job_id) THEN
        v_left := 0;
    END IF;
    WITH running AS (
        SELECT line_no, sum(points) OVER (ORDER BY line_no) AS total
          FROM import_chunk WHERE points > 0),
    beyond AS (
        DELETE FROM import_chunk c USING running r
         WHERE c.line_no = r.line_no AND r.total > v_left
        RETURNING c.line_no, c.idem_key, c.points),
    refused AS (
        UPDATE import_lines l
           SET status = 'REJECTED', error_code = 'PARTNER_CREDIT_LIMIT',
               error_message = format('%s points go beyond the partner''s point blocks and'
                                      ' credit limit (lines draw in file order: from the first'
                                      ' that does not fit on, none with points is posted)',
                                      b.points)
          FROM beyond b
         WHERE l.job_id = p_job_id AND l.line_no = b.line_no
        RETURNING l.line_no),
    released AS (
        DELETE FROM idempotency_records r USING beyond b
         WHERE r.caller = p_caller AND r.key = b.idem_key)
    UPDATE import_jobs SET credit_limit_line = (SELECT min(line_no) FROM refused)
     WHERE id = p_job_id AND credit_limit_line IS NULL AND EXISTS (SELECT 1 FROM refused);
    UPDATE prepaid_allowances
       SET points_drawn = points_drawn + (SELECT coalesce(sum(points), 0) FROM import_chunk)
     WHERE partner_id = p_partner_id;
END $$;

-- import_post_chunk of migration 0004, and for a PREPAID partner: the chunk's lines draw
-- from the allowance in line order (import_draw_prepaid) and their entries are marked
-- prepaid. Nothing else changes.
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
