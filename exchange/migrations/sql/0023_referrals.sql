-- Referral (contract section 9): every member has a referral code; a member enrolled with
-- another's code is that member's referral; the referred member's first qualifying purchase
-- (an earn of at least the program's minimum points) earns both the program's bonuses, once,
-- funded by the operator (entries of kind BONUS without a partner: its OPERATOR_BONUS
-- account, lots without issuer). The program is data: versions, never edited, each in force
-- from its effective_from on.
--
-- The earn path learns of a pending referral without a round trip more: a statement trigger
-- on the outbox (as the tiers' one) looks the earns' members up in the partial index of
-- pending referrals (an empty index probe for everyone else) and marks a pending referral
-- QUALIFIED in the earn's own transaction, under the member's lock the earn holds: of two
-- simultaneous first purchases one qualifies it. The bonuses are paid right after, in a
-- transaction of their own that locks both members in id order (referral_pay, run by every
-- gateway's sweeper and by `exchange referrals pay`), so an earn never waits for a second
-- member's lock and no lock order is broken.

CREATE TABLE referral_programs (
    id bigserial PRIMARY KEY,
    version integer NOT NULL CHECK (version > 0),
    effective_from timestamptz NOT NULL,
    referrer_points bigint NOT NULL CHECK (referrer_points >= 0),
    referred_points bigint NOT NULL CHECK (referred_points >= 0),
    minimum_points bigint NOT NULL CHECK (minimum_points > 0),
    validity_days integer CHECK (validity_days BETWEEN 1 AND 3660),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE UNIQUE INDEX uq_referral_programs_version ON referral_programs (version);
CREATE INDEX ix_referral_programs_from ON referral_programs (effective_from, version);
CREATE TRIGGER referral_programs_append_only BEFORE UPDATE OR DELETE ON referral_programs
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- 10 characters of Crockford's base 32 (no I, L, O, U): 50 bits, read aloud without doubt.
CREATE FUNCTION referral_new_code() RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    bytes bytea := decode(replace(gen_random_uuid()::text, '-', ''), 'hex');
    code text := '';
BEGIN
    FOR i IN 0..9 LOOP
        code := code || substr(alphabet, 1 + get_byte(bytes, i) % 32, 1);
    END LOOP;
    RETURN code;
END $$;

CREATE TABLE member_referral_codes (
    member_id bigint PRIMARY KEY REFERENCES members (id),
    code text NOT NULL
);
CREATE UNIQUE INDEX uq_member_referral_codes_code ON member_referral_codes (code);

-- Every member gets a code when enrolled (whoever enrols it), and every member enrolled before.
CREATE FUNCTION members_referral_code() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    LOOP  -- a code drawn twice (one in 2^50 per member enrolled) is drawn again
        INSERT INTO member_referral_codes (member_id, code)
        VALUES (NEW.id, referral_new_code()) ON CONFLICT (code) DO NOTHING;
        EXIT WHEN FOUND;
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER members_referral_code AFTER INSERT ON members
    FOR EACH ROW EXECUTE FUNCTION members_referral_code();
INSERT INTO member_referral_codes (member_id, code)
SELECT id, referral_new_code() FROM members ORDER BY id;

-- One row per referred member (member_id): PENDING until its first qualifying purchase, QUALIFIED by it
-- (the program in force then decides the points), COMPLETED once both bonuses are paid.
CREATE TABLE referrals (
    member_id bigint PRIMARY KEY REFERENCES members (id),  -- the referred member
    referrer_member_id bigint NOT NULL REFERENCES members (id),
    code text NOT NULL,
    enrolled_by_partner_id bigint REFERENCES partners (id),
    created_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'QUALIFIED', 'COMPLETED')),
    program_id bigint REFERENCES referral_programs (id),
    qualifying_entry_id bigint,
    qualified_at timestamptz,
    referrer_entry_id bigint,
    referred_entry_id bigint,
    completed_at timestamptz,
    CHECK (referrer_member_id <> member_id),
    CHECK ((status = 'PENDING') = (qualifying_entry_id IS NULL)),
    CHECK ((status = 'COMPLETED') = (completed_at IS NOT NULL))
);
CREATE INDEX ix_referrals_pending ON referrals (member_id) WHERE status = 'PENDING';
CREATE INDEX ix_referrals_qualified ON referrals (qualified_at) WHERE status = 'QUALIFIED';
CREATE INDEX ix_referrals_referrer ON referrals (referrer_member_id);

-- The earns of a statement (one earn, or an import chunk) qualify their members' pending
-- referrals: the first earn of at least the program's minimum points, by entry id. Members
-- without a pending referral cost one probe of ix_referrals_pending and nothing else.
CREATE FUNCTION referrals_after_earns() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM emitted e JOIN referrals r
                     ON r.member_id = e.member_id AND r.status = 'PENDING'
                    WHERE e.event_type = 'points.earned') THEN
        RETURN NULL;
    END IF;
    WITH firsts AS (
        SELECT DISTINCT ON (e.member_id) e.member_id, e.entry_id, e.created_at, p.id AS program
          FROM emitted e
          JOIN referrals r ON r.member_id = e.member_id AND r.status = 'PENDING'
          CROSS JOIN LATERAL (SELECT id, minimum_points FROM referral_programs
                               WHERE effective_from <= e.created_at
                               ORDER BY effective_from DESC, version DESC LIMIT 1) p
         WHERE e.event_type = 'points.earned'
           AND (e.payload -> 'data' ->> 'points')::bigint >= p.minimum_points
         ORDER BY e.member_id, e.entry_id)
    UPDATE referrals r
       SET status = 'QUALIFIED', program_id = f.program, qualifying_entry_id = f.entry_id,
           qualified_at = f.created_at
      FROM firsts f
     WHERE r.member_id = f.member_id AND r.status = 'PENDING';
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_events_referrals AFTER INSERT ON outbox_events
    REFERENCING NEW TABLE AS emitted FOR EACH STATEMENT
    EXECUTE FUNCTION referrals_after_earns();

-- Pays one QUALIFIED referral (skipped while another transaction pays it): both members
-- locked in id order, each active one credited its bonus of the program version that
-- qualified it (none for 0 points), then COMPLETED. Returns the points paid, NULL when there
-- was nothing to pay.
CREATE FUNCTION referral_pay(p_referred_member_id bigint, p_now timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    r referrals;
    p referral_programs;
    side record;
    credited jsonb;
    v_referrer_entry bigint;
    v_referred_entry bigint;
    paid bigint := 0;
BEGIN
    SELECT * INTO r FROM referrals
     WHERE member_id = p_referred_member_id AND status = 'QUALIFIED'
       FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT * INTO p FROM referral_programs WHERE id = r.program_id;
    PERFORM 1 FROM member_balances
     WHERE member_id IN (r.referrer_member_id, r.member_id)
     ORDER BY member_id FOR UPDATE;
    FOR side IN
        SELECT s.role, s.member_id, s.points, s.other
          FROM (VALUES ('REFERRER', r.referrer_member_id, p.referrer_points,
                        r.member_id),
                       ('REFERRED', r.member_id, p.referred_points,
                        r.referrer_member_id)) s (role, member_id, points, other)
          JOIN members m ON m.id = s.member_id
         WHERE s.points > 0 AND m.status = 'ACTIVE'
    LOOP
        credited := ledger_credit_bonus(
            side.member_id, NULL, side.points,
            CASE side.role WHEN 'REFERRER' THEN 'Referral bonus: a member you referred'
                           ELSE 'Referral bonus: welcome' END,
            jsonb_build_object('referral', jsonb_build_object(
                'role', side.role,
                'otherMemberId', global_id('Member', side.other),
                'qualifyingTransactionId', global_id('Transaction', r.qualifying_entry_id),
                'program', jsonb_build_object('id', p.id, 'version', p.version,
                                              'effectiveFrom', iso_utc(p.effective_from)),
                'fundedBy', 'OPERATOR')),
            p.validity_days, 'points.bonus_awarded',
            jsonb_build_object('source', 'REFERRAL', 'role', side.role),
            p_now);
        IF side.role = 'REFERRER' THEN
            v_referrer_entry := (credited ->> 'entry_id')::bigint;
        ELSE
            v_referred_entry := (credited ->> 'entry_id')::bigint;
        END IF;
        paid := paid + side.points;
    END LOOP;
    UPDATE referrals
       SET status = 'COMPLETED', referrer_entry_id = v_referrer_entry,
           referred_entry_id = v_referred_entry, completed_at = p_now
     WHERE member_id = r.member_id;
    RETURN paid;
END $$;
