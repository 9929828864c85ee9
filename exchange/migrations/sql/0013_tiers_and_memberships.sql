-- Tiers and paid memberships (contract section 9).
--
-- The tier ladder is data: versions (tier_ladders), each in force from its effective_from on,
-- listing its tiers (tier_levels) by rising threshold of qualifying points: points of EARN
-- entries whose purchase (occurred_at) falls in the rolling window, less the points of their
-- reversals. A member's earned tier and when it comes up for review live in member_tiers,
-- with the tier last announced to partners (member.tier_changed events).
--
-- Upgrades happen at once, in the earn's own transaction: a statement trigger on the outbox
-- places every member a points.earned event was written for, whoever wrote it (ledger_earn,
-- import_post_chunk, or any later version of them), after the earn's own rows, under the
-- member's lock that the earn holds. So an upgrade is never lost, two concurrent earns that
-- cross a threshold give one event (the second sees the first's tier), and an import's chunk
-- is placed set-based in one pass. The cost when no ladder is in force: one lookup of the
-- ladder per statement that writes events. With one: a members' tier row read and, for
-- members below the top tier, an index-only scan of their earns in the window
-- (ix_journal_entries_member_earns); the rows are written only when a tier changes.
-- Downgrades happen only at the scheduled review (exchange tiers review; Python decides).

CREATE TABLE tier_ladders (
    id bigserial PRIMARY KEY,
    version integer NOT NULL,
    effective_from timestamptz NOT NULL,
    window_days integer NOT NULL CHECK (window_days BETWEEN 1 AND 3660),
    review_every_days integer NOT NULL CHECK (review_every_days BETWEEN 1 AND 3660),
    grace_days integer NOT NULL CHECK (grace_days BETWEEN 0 AND 3660),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE UNIQUE INDEX uq_tier_ladders_version ON tier_ladders (version);
CREATE INDEX ix_tier_ladders_from ON tier_ladders (effective_from, version);

CREATE TABLE tier_levels (
    ladder_id bigint NOT NULL REFERENCES tier_ladders (id),
    rank integer NOT NULL CHECK (rank > 0),
    name text NOT NULL,
    threshold bigint NOT NULL CHECK (threshold >= 0),
    multiplier numeric(10, 4) NOT NULL CHECK (multiplier > 0),
    benefits text NOT NULL,
    PRIMARY KEY (ladder_id, rank)
);
CREATE UNIQUE INDEX uq_tier_levels_name ON tier_levels (ladder_id, lower(name));

CREATE TABLE member_tiers (
    member_id bigint PRIMARY KEY REFERENCES members (id),
    tier text,               -- the earned tier (NULL: none above what 0 points give)
    review_at timestamptz,   -- when the earned tier comes up for review
    shown text,              -- the tier the last member.tier_changed event announced
    shown_until timestamptz, -- when the paid membership behind the shown tier ends
    changed_at timestamptz NOT NULL
);
CREATE INDEX ix_member_tiers_review ON member_tiers (review_at) WHERE review_at IS NOT NULL;
CREATE INDEX ix_member_tiers_shown_until ON member_tiers (shown_until)
    WHERE shown_until IS NOT NULL;

-- Qualifying points of a member: its earns by business time (index-only), its reversals
CREATE INDEX ix_journal_entries_member_earns ON journal_entries (member_id, occurred_at)
    INCLUDE (points, posted_at) WHERE kind = 'EARN';
CREATE INDEX ix_journal_entries_member_reversals ON journal_entries (member_id, posted_at)
    INCLUDE (original_entry_id, points) WHERE kind = 'EARN_REVERSAL';

-- Membership plans: a catalogue, versioned and effective-dated like the ladder
CREATE TABLE membership_catalogues (
    id bigserial PRIMARY KEY,
    version integer NOT NULL,
    effective_from timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE UNIQUE INDEX uq_membership_catalogues_version ON membership_catalogues (version);
CREATE INDEX ix_membership_catalogues_from ON membership_catalogues (effective_from, version);

CREATE TABLE membership_plans (
    catalogue_id bigint NOT NULL REFERENCES membership_catalogues (id),
    code text NOT NULL,
    name text NOT NULL,
    tier text,
    multiplier numeric(10, 4) CHECK (multiplier > 0),
    term_days integer NOT NULL CHECK (term_days BETWEEN 1 AND 3660),
    price numeric(18, 4) NOT NULL CHECK (price >= 0),
    currency text NOT NULL,
    PRIMARY KEY (catalogue_id, code),
    CHECK ((tier IS NULL) <> (multiplier IS NULL))
);

-- A membership sold: append-only; settlement bills its price to the selling partner in the
-- batch that covers its posted_at and xid, by the rule of entries (migration 0009).
CREATE TABLE memberships (
    id bigserial PRIMARY KEY,
    member_id bigint NOT NULL REFERENCES members (id),
    partner_id bigint NOT NULL REFERENCES partners (id),
    catalogue_id bigint NOT NULL REFERENCES membership_catalogues (id),
    plan_code text NOT NULL,
    plan_name text NOT NULL,
    tier text,
    multiplier numeric(10, 4),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    price numeric(18, 4) NOT NULL CHECK (price >= 0),
    currency text NOT NULL,
    sold_at timestamptz NOT NULL,
    posted_at timestamptz NOT NULL,
    created_by text NOT NULL,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CHECK (ends_at > starts_at),
    CHECK ((tier IS NULL) <> (multiplier IS NULL))
);
CREATE INDEX ix_memberships_member ON memberships (member_id, ends_at);
CREATE INDEX ix_memberships_partner ON memberships (partner_id, id);
CREATE INDEX ix_memberships_posted ON memberships (posted_at);

CREATE TRIGGER tier_ladders_append_only BEFORE UPDATE OR DELETE ON tier_ladders
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER tier_levels_append_only BEFORE UPDATE OR DELETE ON tier_levels
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER membership_catalogues_append_only BEFORE UPDATE OR DELETE
    ON membership_catalogues FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER membership_plans_append_only BEFORE UPDATE OR DELETE ON membership_plans
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER memberships_append_only BEFORE UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Settlement: a membership's price, owed by the partner that sold it
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_kind_check;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_kind_check
    CHECK (kind IN ('POINT_BLOCK', 'MEMBERSHIP_SOLD', 'ISSUED', 'ISSUED_PREPAID',
                    'ISSUE_REVERSED', 'ISSUE_REVERSED_PREPAID', 'REDEEMED',
                    'REDEMPTION_REFUNDED', 'BREAKAGE_CREDIT'));
ALTER TABLE settlement_statements ADD COLUMN memberships_sold bigint NOT NULL DEFAULT 0;

-- The ladder in force at an instant (all NULL before the first)
CREATE FUNCTION tier_ladder_at(p_at timestamptz) RETURNS tier_ladders
LANGUAGE sql STABLE AS $$
    SELECT * FROM tier_ladders WHERE effective_from <= p_at
     ORDER BY effective_from DESC, version DESC LIMIT 1
$$;

-- Qualifying points at p_as_of: EARN points whose purchase falls in (p_as_of - window, ...],
-- less the points of their reversals; with p_posted_by, only what was posted by then (a
-- review as of an earlier instant).
CREATE FUNCTION tier_qualifying_points(p_member_id bigint, p_as_of timestamptz,
                                       p_window_days integer, p_posted_by timestamptz)
RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT sum(e.points) FROM journal_entries e
                      WHERE e.member_id = p_member_id AND e.kind = 'EARN'
                        AND e.occurred_at > p_as_of - make_interval(days => p_window_days)
                        AND (p_posted_by IS NULL OR e.posted_at <= p_posted_by)), 0)
         - coalesce((SELECT sum(r.points) FROM journal_entries r
                       JOIN journal_entries o ON o.id = r.original_entry_id
                      WHERE r.member_id = p_member_id AND r.kind = 'EARN_REVERSAL'
                        AND (p_posted_by IS NULL OR r.posted_at <= p_posted_by)
                        AND o.occurred_at > p_as_of - make_interval(days => p_window_days)),
                    0)
$$;

-- The tier that applies to a member at p_at by name: the higher of its earned tier (never
-- below what 0 points give) and the tiers of its running paid memberships; and, when a
-- membership's tier is the higher, when it ends.
CREATE FUNCTION tier_applying(p_member_id bigint, p_at timestamptz,
                              OUT name text, OUT paid_until timestamptz)
LANGUAGE sql STABLE AS $$
    WITH ladder AS (SELECT id FROM tier_ladder_at(p_at)),
    earned AS (
        SELECT l.rank, l.name, NULL::timestamptz AS until
          FROM tier_levels l, ladder
         WHERE l.ladder_id = ladder.id
           AND (lower(l.name) = (SELECT lower(t.tier) FROM member_tiers t
                                  WHERE t.member_id = p_member_id)
                OR l.threshold = 0)),
    paid AS (
        SELECT l.rank, l.name, m.ends_at AS until
          FROM memberships m JOIN tier_levels l ON lower(l.name) = lower(m.tier)
          JOIN ladder ON l.ladder_id = ladder.id
         WHERE m.member_id = p_member_id AND m.tier IS NOT NULL
           AND m.starts_at <= p_at AND m.ends_at > p_at)
    SELECT name, until FROM (SELECT * FROM earned UNION ALL SELECT * FROM paid) found
     ORDER BY rank DESC, until DESC NULLS FIRST LIMIT 1
$$;

-- A member's tier row, made when first needed: it shows the tier 0 points give (if any).
CREATE FUNCTION tier_row(p_member_id bigint, p_at timestamptz) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO member_tiers (member_id, shown, changed_at)
    SELECT p_member_id, (SELECT l.name FROM tier_levels l
                          WHERE l.ladder_id = (tier_ladder_at(p_at)).id AND l.threshold = 0),
           p_at
    ON CONFLICT (member_id) DO NOTHING
$$;

-- Tell the member's enrolling partner when the tier that applies changed since the last
-- announcement (member.tier_changed, in the caller's transaction, which holds the member's
-- lock); keeps when a paid tier shown ends, for the review to announce its end.
CREATE FUNCTION tier_announce(p_member_id bigint, p_reason text, p_effective_at timestamptz,
                              p_now timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_applying record;
    v_from text;
    v_seq bigint;
BEGIN
    PERFORM tier_row(p_member_id, p_effective_at);
    SELECT * INTO v_applying FROM tier_applying(p_member_id, p_effective_at);
    SELECT shown INTO v_from FROM member_tiers WHERE member_id = p_member_id;
    UPDATE member_tiers SET shown = v_applying.name, shown_until = v_applying.paid_until
     WHERE member_id = p_member_id;
    IF v_applying.name IS NOT DISTINCT FROM v_from THEN
        RETURN false;
    END IF;
    UPDATE member_tiers SET changed_at = p_now WHERE member_id = p_member_id;
    UPDATE member_balances SET seq = seq + 1 WHERE member_id = p_member_id
    RETURNING seq INTO v_seq;
    PERFORM ledger_emit('member.tier_changed',
        (SELECT enrolled_by_partner_id FROM members WHERE id = p_member_id), p_member_id, v_seq,
        NULL, p_now,
        jsonb_build_object('memberId', global_id('Member', p_member_id), 'from', v_from,
                           'to', v_applying.name, 'reason', p_reason,
                           'effectiveAt', iso_utc(p_effective_at)));
    RETURN true;
END $$;

-- Upgrades at once: after any statement that wrote points.earned events, each member below
-- the top tier of the ladder in force is placed by its qualifying points at the earn's
-- posting time, and raised (never lowered) when they reach a higher tier; the raised tier
-- comes up for review one review period later. Runs under the members' locks the writer of
-- the earns holds.
CREATE FUNCTION tiers_after_earns() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_at timestamptz;
    v_ladder tier_ladders;
    v_top integer;
    raised record;
BEGIN
    SELECT max(created_at) INTO v_at FROM emitted WHERE event_type = 'points.earned';
    IF v_at IS NULL THEN
        RETURN NULL;
    END IF;
    v_ladder := tier_ladder_at(v_at);
    SELECT max(rank) INTO v_top FROM tier_levels WHERE ladder_id = v_ladder.id;
    IF v_top IS NULL THEN
        RETURN NULL;
    END IF;
    FOR raised IN
        WITH earners AS (
            SELECT DISTINCT member_id FROM emitted WHERE event_type = 'points.earned'),
        placed AS (
            SELECT e.member_id,
                   coalesce((SELECT max(l.rank) FROM tier_levels l
                              WHERE l.ladder_id = v_ladder.id
                                AND (lower(l.name) = lower(t.tier) OR l.threshold = 0)),
                            0) AS rank
              FROM earners e LEFT JOIN member_tiers t ON t.member_id = e.member_id),
        qualifying AS MATERIALIZED (
            SELECT p.member_id, p.rank,
                   tier_qualifying_points(p.member_id, v_at, v_ladder.window_days, NULL)
                       AS points
              FROM placed p WHERE p.rank < v_top)
        SELECT q.member_id, reached.name
          FROM qualifying q
          CROSS JOIN LATERAL (SELECT l.name, l.rank FROM tier_levels l
                               WHERE l.ladder_id = v_ladder.id AND l.threshold <= q.points
                               ORDER BY l.rank DESC LIMIT 1) reached
         WHERE reached.rank > q.rank
         ORDER BY q.member_id
    LOOP
        PERFORM tier_row(raised.member_id, v_at);
        UPDATE member_tiers
           SET tier = raised.name,
               review_at = v_at + make_interval(days => v_ladder.review_every_days),
               changed_at = v_at
         WHERE member_id = raised.member_id;
        PERFORM tier_announce(raised.member_id, 'QUALIFIED', v_at, v_at);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_events_tiers AFTER INSERT ON outbox_events
    REFERENCING NEW TABLE AS emitted FOR EACH STATEMENT EXECUTE FUNCTION tiers_after_earns();
