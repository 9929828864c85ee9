-- The hot path (earn, burn, capture) as SQL functions: one round trip per business
-- transaction. Business refusals raise SQLSTATE P0001 with the stable error code as the
-- message, the human message as DETAIL and the input field as HINT; the whole statement
-- (and so every write, the idempotency row included) rolls back.

CREATE FUNCTION global_id(type_name text, id bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN rtrim(translate(encode(convert_to(type_name || ':' || id::text, 'UTF8'), 'base64'),
                       '+/', '-_'), '=');

CREATE FUNCTION iso_utc(at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"');

CREATE FUNCTION ledger_fail(code text, message text, field text DEFAULT '') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = code, DETAIL = message, HINT = field;
END $$;

-- Claims (caller, key) with the response the operation will return. NULL: go ahead; a
-- concurrent holder of the key makes this wait until it commits or rolls back.
CREATE FUNCTION ledger_claim(p_caller text, p_key text, p_operation text, p_hash text,
                             p_response jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    found_row record;
BEGIN
    IF p_key IS NULL OR length(p_key) NOT BETWEEN 1 AND 255 THEN
        PERFORM ledger_fail('INVALID_INPUT', 'idempotencyKey must be 1 to 255 printable characters',
                            'idempotencyKey');
    END IF;
    INSERT INTO idempotency_records (caller, key, operation, request_hash, response)
    VALUES (p_caller, p_key, p_operation, p_hash, p_response) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    SELECT operation, request_hash, response INTO found_row
      FROM idempotency_records WHERE caller = p_caller AND key = p_key;
    IF found_row.operation <> p_operation OR found_row.request_hash <> p_hash THEN
        PERFORM ledger_fail('IDEMPOTENCY_CONFLICT',
                            'this idempotencyKey was already used with a different input',
                            'idempotencyKey');
    END IF;
    RETURN found_row.response;
END $$;

-- Lots a burn takes, earliest expiry first (contract rule 4). A capture may also take lots
-- that expired while its hold stood, after every spendable one (rule 5). Pending lots never.
CREATE FUNCTION ledger_take_lots(p_member_id bigint, p_points bigint, p_now timestamptz,
                                 p_include_expired boolean)
RETURNS TABLE (lot_id bigint, issuer_partner_id bigint, take bigint)
LANGUAGE sql STABLE AS $$
    SELECT id, issuer_partner_id, least(remaining, p_points - (running - remaining))
      FROM (SELECT id, issuer_partner_id, remaining,
                   sum(remaining) OVER (ORDER BY coalesce(expires_at <= p_now, false),
                                                 expires_at NULLS LAST, id)::bigint AS running,
                   row_number() OVER (ORDER BY coalesce(expires_at <= p_now, false),
                                               expires_at NULLS LAST, id) AS position
              FROM lots
             WHERE member_id = p_member_id AND remaining > 0 AND available_at <= p_now
               AND (p_include_expired OR expires_at IS NULL OR expires_at > p_now)) ordered
     WHERE running - remaining < p_points
     ORDER BY position
$$;

-- Locks the member's balance row, through which every movement of its points is serialized,
-- and refuses a member that does not exist, that the partner (if given) was never shown, or
-- that is closed.
CREATE FUNCTION ledger_lock_member(p_member_id bigint, p_partner_id bigint)
RETURNS member_balances
LANGUAGE plpgsql AS $$
DECLARE
    locked member_balances;
    member_status text;
    shown boolean;
BEGIN
    SELECT * INTO locked FROM member_balances WHERE member_id = p_member_id FOR UPDATE;
    -- Read in a statement of its own, after the lock is held: a close committed while this
    -- waited is seen (a join in the locking statement would show the status from before).
    SELECT m.status, (p_partner_id IS NULL OR EXISTS (
               SELECT 1 FROM member_partner_links l
                WHERE l.member_id = m.id AND l.partner_id = p_partner_id)) AS shown
      INTO member_status, shown
      FROM members m WHERE m.id = p_member_id;
    IF locked.member_id IS NULL OR NOT shown THEN
        PERFORM ledger_fail('MEMBER_NOT_FOUND', 'no member with this id', 'memberId');
    ELSIF member_status <> 'ACTIVE' THEN
        PERFORM ledger_fail('MEMBER_CLOSED', 'this member''s account is closed', 'memberId');
    END IF;
    RETURN locked;
END $$;

CREATE FUNCTION ledger_emit(p_type text, p_partner_id bigint, p_member_id bigint, p_seq bigint,
                            p_entry_id bigint, p_now timestamptz, p_data jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    event_id text := 'evt_' || replace(gen_random_uuid()::text, '-', '');
BEGIN
    INSERT INTO outbox_events (event_id, event_type, partner_id, member_id, member_seq, entry_id,
                               payload, created_at)
    VALUES (event_id, p_type, p_partner_id, p_member_id, p_seq, p_entry_id,
            jsonb_build_object('type', p_type, 'id', event_id, 'createdAt', iso_utc(p_now),
                               'partnerId', global_id('Partner', p_partner_id),
                               'data', p_data || jsonb_build_object('memberSequence', p_seq)),
            p_now);
END $$;

-- Closes an AUTHORIZED hold without a capture (VOIDED or EXPIRED) and frees its points.
-- The caller holds the member's lock.
CREATE FUNCTION ledger_release_hold(p_hold_id bigint, p_status text, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    hold record;
    after record;
BEGIN
    UPDATE holds SET status = p_status, finalized_at = p_now
     WHERE id = p_hold_id AND status = 'AUTHORIZED'
    RETURNING * INTO hold;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE member_balances SET held = held - hold.points, seq = seq + 1, updated_at = p_now
     WHERE member_id = hold.member_id
    RETURNING seq INTO after;
    PERFORM ledger_emit(CASE p_status WHEN 'VOIDED' THEN 'burn.voided' ELSE 'burn.expired' END,
        hold.partner_id, hold.member_id, after.seq, NULL, p_now,
        jsonb_build_object('holdId', global_id('Hold', hold.id),
                           'memberId', global_id('Member', hold.member_id),
                           'points', hold.points, 'orderId', hold.order_id));
END $$;

-- Expires the member's holds whose time ran out. The caller holds the member's lock.
CREATE FUNCTION ledger_release_expired_holds(p_member_id bigint, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    expired_id bigint;
    released integer := 0;
BEGIN
    FOR expired_id IN SELECT id FROM holds
                       WHERE member_id = p_member_id AND status = 'AUTHORIZED'
                         AND expires_at <= p_now ORDER BY id LOOP
        PERFORM ledger_release_hold(expired_id, 'EXPIRED', p_now);
        released := released + 1;
    END LOOP;
    RETURN released;
END $$;

CREATE FUNCTION ledger_earn(
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
    SELECT p.status, p.point_validity_days, pr.issue_price INTO partner
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
                                 earn_rate, details)
    VALUES (entry_id, 'EARN', p_member_id, p_partner_id, p_points, p_order_id,
            format('Purchase %s %s', p_amount, p_currency), p_occurred_at, p_now, p_currency,
            p_amount, partner.issue_price, p_earn_rate, p_details);
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
    RETURN response;
END $$;

-- A one-step burn (p_hold_id NULL) or the capture of a hold: the points are taken from lots,
-- posted to the redeeming partner, and the hold (if any) is closed, its rest released.
CREATE FUNCTION ledger_burn(
    p_caller text, p_key text, p_operation text, p_hash text, p_partner_id bigint,
    p_member_id bigint, p_hold_id bigint, p_points bigint, p_order_id text, p_now timestamptz
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_entry_id bigint := nextval('journal_entries_id_seq');
    v_hold record;
    v_points bigint := p_points;
    v_member_id bigint := p_member_id;
    v_order_id text := p_order_id;
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
                                 occurred_at, posted_at, hold_id, currency, redemption_value)
    VALUES (v_entry_id, 'BURN', v_member_id, p_partner_id, v_points, v_order_id, 'Points spent',
            p_now, p_now, p_hold_id, v_partner.currency, v_partner.redemption_value);
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

-- The hold (read again under the member's lock) can still be captured for p_points.
CREATE FUNCTION ledger_check_capture(p_hold_id bigint, p_points bigint, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    hold record;
BEGIN
    SELECT * INTO hold FROM holds WHERE id = p_hold_id;
    IF hold.status = 'EXPIRED' OR (hold.status = 'AUTHORIZED' AND hold.expires_at <= p_now) THEN
        PERFORM ledger_fail('HOLD_EXPIRED',
                            format('the hold expired at %s', iso_utc(hold.expires_at)), 'holdId');
    ELSIF hold.status <> 'AUTHORIZED' THEN
        PERFORM ledger_fail('HOLD_ALREADY_FINAL', format('the hold is already %s', hold.status),
                            'holdId');
    ELSIF p_points <= 0 THEN
        PERFORM ledger_fail('INVALID_AMOUNT', 'a capture takes at least 1 point', 'points');
    ELSIF p_points > hold.points THEN
        PERFORM ledger_fail('AMOUNT_EXCEEDS_ORIGINAL',
                            format('the hold is for %s points', hold.points), 'points');
    END IF;
END $$;
