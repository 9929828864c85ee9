-- points.expiring warnings (contract section 9): N days ahead of the date a member's lots
-- expire, one outbox event per member and UTC date of expiry, to the partner that enrolled
-- the member (which tells the member, as it does login codes). Exactly once, whatever runs at
-- once: a warning is a row of expiry_warnings keyed by (member, date), written by the same
-- statement that writes its event, so a second run (another worker, a retry) conflicts on
-- the key and writes nothing.

CREATE TABLE expiry_warnings (
    member_id bigint NOT NULL REFERENCES members (id),
    expires_on date NOT NULL,
    points bigint NOT NULL CHECK (points > 0),
    first_expires_at timestamptz NOT NULL,
    warned_at timestamptz NOT NULL,
    PRIMARY KEY (member_id, expires_on)
);

-- One chunk of members after p_after (active persons, in id order, at most p_limit): their
-- lots with points left that expire after p_as_of and on or before the UTC date of p_until
-- (every lot of a date at once), summed per member and date; the dates not warned of yet are
-- recorded and announced. Set-based: one statement for the chunk. Returns {"last" (the
-- chunk's last member, NULL when there was none), "warnings"}.
CREATE FUNCTION ledger_warn_expiring(p_after bigint, p_limit integer, p_as_of timestamptz,
                                     p_until timestamptz, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_last bigint;
    v_warnings bigint;
    v_created text := iso_utc(p_now);
    v_end timestamptz := (date_trunc('day', p_until AT TIME ZONE 'UTC') + interval '1 day')
                         AT TIME ZONE 'UTC';
BEGIN
    CREATE TEMP TABLE warn_chunk ON COMMIT DROP AS
    SELECT m.id, m.enrolled_by_partner_id FROM members m
     WHERE m.id > p_after AND m.status = 'ACTIVE' AND m.kind = 'PERSON'
     ORDER BY m.id LIMIT p_limit;
    SELECT max(id) INTO v_last FROM warn_chunk;
    WITH due AS (
        SELECT c.id AS member_id, c.enrolled_by_partner_id AS partner_id,
               (l.expires_at AT TIME ZONE 'UTC')::date AS expires_on,
               min(l.expires_at) AS first_expires_at, sum(l.remaining)::bigint AS points
          FROM warn_chunk c
          JOIN lots l ON l.member_id = c.id AND l.remaining > 0
                     AND l.expires_at > p_as_of AND l.expires_at < v_end
         GROUP BY c.id, c.enrolled_by_partner_id, (l.expires_at AT TIME ZONE 'UTC')::date),
    warned AS (
        INSERT INTO expiry_warnings (member_id, expires_on, points, first_expires_at, warned_at)
        SELECT member_id, expires_on, points, first_expires_at, p_now FROM due
        ON CONFLICT DO NOTHING
        RETURNING member_id, expires_on, points, first_expires_at),
    events AS (
        SELECT w.*, d.partner_id, b.seq, b.balance,
               'evt_' || replace(gen_random_uuid()::text, '-', '') AS event_id
          FROM warned w JOIN due d USING (member_id, expires_on)
          JOIN member_balances b ON b.member_id = w.member_id),
    emitted AS (
        INSERT INTO outbox_events (event_id, event_type, partner_id, member_id, member_seq,
                                   entry_id, payload, created_at)
        SELECT e.event_id, 'points.expiring', e.partner_id, e.member_id, e.seq, NULL,
               jsonb_build_object('type', 'points.expiring', 'id', e.event_id,
                                  'createdAt', v_created,
                                  'partnerId', global_id('Partner', e.partner_id),
                                  'data', jsonb_build_object(
                                      'memberId', global_id('Member', e.member_id),
                                      'points', e.points,
                                      'expiresOn', to_char(e.expires_on, 'YYYY-MM-DD'),
                                      'expiresAt', iso_utc(e.first_expires_at),
                                      'balance', e.balance,
                                      'asOf', iso_utc(p_as_of),
                                      'memberSequence', e.seq)),
               p_now
          FROM events e ORDER BY e.member_id, e.expires_on
        RETURNING 1)
    SELECT count(*) INTO v_warnings FROM emitted;
    DROP TABLE warn_chunk;
    RETURN jsonb_build_object('last', v_last, 'warnings', v_warnings);
END $$;
