-- Points expiry (breakage), contract sections 6 and 7. A lot's points expire when the lot
-- reaches its expiry (lots.expires_at, from the issuer's validity at earn time) and, when the
-- program also expires points after a period without activity, all of a member's points
-- expire once the member made no earn or burn after p_inactive_before (NULL: no such rule).
-- Expired points are posted from the member to the operator's breakage account and consumed
-- from their lots (kind EXPIRY, with each lot's issuer), earliest expiry first.
--
-- Rule 5: expiry never takes points an authorized hold reserves. A member keeps at least
-- `held` points in lots a capture can take (available now, expired or not): of the points
-- due, at most (those lots' remaining - held) expire; a capture may finish with expired lots
-- (ledger_take_lots), and what the hold leaves behind expires at the next run. Closed members
-- are skipped: nothing moves for a closed member (closeMember). The run is idempotent by
-- construction: once due points are expired their lots are empty, so running again for the
-- same as_of finds nothing more.

-- No earn or burn of the member's after p_inactive_before (always false without the rule).
CREATE FUNCTION ledger_inactive(p_member_id bigint, p_inactive_before timestamptz)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_inactive_before IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM journal_entries e
         WHERE e.member_id = p_member_id AND e.kind IN ('EARN', 'BURN')
           AND e.occurred_at > p_inactive_before)
$$;

-- Active members after p_after with points due to expire at p_as_of, in id order (a run
-- pages through them). Members whose due points are all reserved by holds stay listed.
CREATE FUNCTION ledger_expiry_due(p_after bigint, p_limit bigint, p_as_of timestamptz,
                                  p_inactive_before timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT m.id FROM members m
     WHERE m.id > p_after AND m.status = 'ACTIVE'
       AND (EXISTS (SELECT 1 FROM lots l
                     WHERE l.member_id = m.id AND l.remaining > 0 AND l.expires_at <= p_as_of)
            OR (p_inactive_before IS NOT NULL
                AND EXISTS (SELECT 1 FROM lots l WHERE l.member_id = m.id AND l.remaining > 0)
                AND ledger_inactive(m.id, p_inactive_before)))
     ORDER BY m.id
     LIMIT p_limit
$$;

-- Expires the due points of a chunk of members in one transaction: the members are locked
-- in id order (as the bulk import does), then one EXPIRY entry per member with points to
-- expire (two postings in one statement), its lot consumptions, the balance, and one
-- points.expired event per issuing partner (operator-issued points expire without one).
-- Returns {"members", "points", "entries", "events"}.
CREATE FUNCTION ledger_expire(p_member_ids bigint[], p_as_of timestamptz,
                              p_inactive_before timestamptz, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    breakage_account bigint;
    released_member bigint;
    expired record;
    v_as_of text := iso_utc(p_as_of);
    result jsonb;
    emitted bigint := 0;
BEGIN
    SELECT id INTO breakage_account FROM accounts
     WHERE kind = 'OPERATOR_BREAKAGE' AND partner_id IS NULL AND member_id IS NULL;
    PERFORM 1 FROM member_balances WHERE member_id = ANY (p_member_ids)
     ORDER BY member_id FOR UPDATE;
    -- a hold whose time ran out reserves nothing: released first, as a burn would
    FOR released_member IN
        SELECT DISTINCT h.member_id FROM holds h JOIN members m ON m.id = h.member_id
         WHERE h.member_id = ANY (p_member_ids) AND h.status = 'AUTHORIZED'
           AND h.expires_at <= p_now AND m.status = 'ACTIVE'
         ORDER BY h.member_id
    LOOP
        PERFORM ledger_release_expired_holds(released_member, p_now);
    END LOOP;

    -- read after the locks are held: a close committed meanwhile is seen (and skipped)
    CREATE TEMP TABLE expiry_member ON COMMIT DROP AS
    SELECT b.member_id, b.account_id, b.balance, b.held, b.seq,
           ledger_inactive(b.member_id, p_inactive_before) AS inactive
      FROM member_balances b JOIN members m ON m.id = b.member_id
     WHERE b.member_id = ANY (p_member_ids) AND m.status = 'ACTIVE';

    -- what each member's due lots give, earliest expiry first, within the hold's margin
    CREATE TEMP TABLE expiry_take ON COMMIT DROP AS
    WITH open_lots AS (
        SELECT l.id, l.member_id, l.issuer_partner_id, l.remaining, l.expires_at,
               d.inactive OR l.expires_at <= p_as_of AS due,
               l.available_at <= p_now AS capturable
          FROM expiry_member d JOIN lots l ON l.member_id = d.member_id AND l.remaining > 0),
    owed AS (
        SELECT d.member_id,
               greatest(0, least(coalesce(sum(o.remaining) FILTER (WHERE o.due), 0),
                                 coalesce(sum(o.remaining) FILTER (WHERE o.capturable), 0)
                                 - d.held))::bigint AS points
          FROM expiry_member d JOIN open_lots o ON o.member_id = d.member_id
         GROUP BY d.member_id, d.held),
    ordered AS (
        SELECT o.id, o.member_id, o.issuer_partner_id, o.remaining, w.points AS owed,
               sum(o.remaining) OVER (PARTITION BY o.member_id
                                      ORDER BY o.expires_at NULLS LAST, o.id)::bigint AS running
          FROM open_lots o JOIN owed w ON w.member_id = o.member_id
         WHERE o.due AND w.points > 0)
    SELECT id AS lot_id, member_id, issuer_partner_id,
           least(remaining, owed - (running - remaining)) AS points
      FROM ordered
     WHERE running - remaining < owed;

    CREATE TEMP TABLE expiry_entry ON COMMIT DROP AS
    SELECT t.member_id, d.account_id, t.points, d.inactive,
           d.balance - t.points AS balance_after, d.seq + 1 AS seq,
           nextval('journal_entries_id_seq') AS entry_id
      FROM (SELECT member_id, sum(points)::bigint AS points FROM expiry_take
             GROUP BY member_id) t
      JOIN expiry_member d ON d.member_id = t.member_id
     ORDER BY t.member_id;

    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, reason, occurred_at,
                                 posted_at, details)
    SELECT entry_id, 'EXPIRY', member_id, NULL, points,
           CASE WHEN inactive THEN 'Points expired after a period without activity'
                ELSE 'Points expired' END,
           p_as_of, p_now,
           jsonb_build_object('rule', CASE WHEN inactive THEN 'INACTIVITY'
                                           ELSE 'LOT_VALIDITY' END)
      FROM expiry_entry ORDER BY member_id;
    INSERT INTO postings (entry_id, account_id, points)
    SELECT e.entry_id, side.account_id, side.points
      FROM expiry_entry e
     CROSS JOIN LATERAL (VALUES (e.account_id, -e.points), (breakage_account, e.points))
           AS side (account_id, points);
    UPDATE lots l SET remaining = l.remaining - t.points
      FROM expiry_take t WHERE l.id = t.lot_id;
    INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id, points)
    SELECT t.lot_id, e.entry_id, t.member_id, 'EXPIRY', t.issuer_partner_id, t.points
      FROM expiry_take t JOIN expiry_entry e ON e.member_id = t.member_id
     ORDER BY t.member_id, t.lot_id;
    UPDATE member_balances b
       SET balance = e.balance_after, seq = e.seq, updated_at = p_now
      FROM expiry_entry e WHERE b.member_id = e.member_id;

    FOR expired IN
        SELECT e.member_id, e.entry_id, e.seq, e.balance_after, t.issuer_partner_id,
               sum(t.points)::bigint AS points
          FROM expiry_take t JOIN expiry_entry e ON e.member_id = t.member_id
         WHERE t.issuer_partner_id IS NOT NULL
         GROUP BY e.member_id, e.entry_id, e.seq, e.balance_after, t.issuer_partner_id
         ORDER BY e.member_id, t.issuer_partner_id
    LOOP
        PERFORM ledger_emit('points.expired', expired.issuer_partner_id, expired.member_id,
            expired.seq, expired.entry_id, p_now,
            jsonb_build_object('transactionId', global_id('Transaction', expired.entry_id),
                               'memberId', global_id('Member', expired.member_id),
                               'points', expired.points, 'balance', expired.balance_after,
                               'asOf', v_as_of));
        emitted := emitted + 1;
    END LOOP;

    SELECT jsonb_build_object('members', count(*), 'points', coalesce(sum(points), 0),
                              'entries', count(*), 'events', emitted)
      INTO result FROM expiry_entry;
    DROP TABLE expiry_member;
    DROP TABLE expiry_take;
    DROP TABLE expiry_entry;
    RETURN result;
END $$;
