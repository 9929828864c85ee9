-- Pooled accounts (a family, a company): a pool is a points account of its own in the ledger,
-- a member row of kind POOL with its balance row, lots and postings, so every rule of the
-- ledger holds for it unchanged: members contribute by a transfer (their lots move with
-- their issuer and expiry), named members spend from it by a burn at a partner (its lots are
-- taken earliest expiry first, each consumption traced to its issuer), its points expire as
-- any member's. The pool's balance row is the one lock every movement of its points takes.

ALTER TABLE members ADD COLUMN kind text NOT NULL DEFAULT 'PERSON'
    CONSTRAINT ck_members_kind CHECK (kind IN ('PERSON', 'POOL'));

-- a pool has no referral code: only a person refers
DROP TRIGGER members_referral_code ON members;
CREATE TRIGGER members_referral_code AFTER INSERT ON members
    FOR EACH ROW WHEN (NEW.kind = 'PERSON') EXECUTE FUNCTION members_referral_code();

CREATE TABLE pools (
    id bigserial PRIMARY KEY,
    member_id bigint NOT NULL REFERENCES members (id),  -- the pool's own account
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    owner_member_id bigint NOT NULL REFERENCES members (id),
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX uq_pools_member ON pools (member_id);

-- Who belongs to a pool: its OWNER (manages the members, spends without limit), SPENDERs
-- (spend within their limits per UTC day and calendar month; none: no limit) and
-- CONTRIBUTORs (contribute only). Anyone of them contributes.
CREATE TABLE pool_members (
    pool_id bigint NOT NULL REFERENCES pools (id),
    member_id bigint NOT NULL REFERENCES members (id),
    role text NOT NULL CHECK (role IN ('OWNER', 'SPENDER', 'CONTRIBUTOR')),
    daily_limit bigint CHECK (daily_limit > 0),
    monthly_limit bigint CHECK (monthly_limit > 0),
    added_at timestamptz NOT NULL,
    PRIMARY KEY (pool_id, member_id),
    CHECK (role = 'SPENDER' OR (daily_limit IS NULL AND monthly_limit IS NULL))
);
CREATE INDEX ix_pool_members_member ON pool_members (member_id);

-- A spend from a pool: the BURN entry on the pool's account and who spent it (append-only);
-- the spender's limits count these.
CREATE TABLE pool_spends (
    entry_id bigint PRIMARY KEY,
    pool_id bigint NOT NULL REFERENCES pools (id),
    spender_member_id bigint NOT NULL REFERENCES members (id),
    partner_id bigint NOT NULL REFERENCES partners (id),
    points bigint NOT NULL CHECK (points > 0),
    spent_at timestamptz NOT NULL
);
CREATE INDEX ix_pool_spends_spender ON pool_spends (pool_id, spender_member_id, spent_at);
CREATE TRIGGER pool_spends_append_only BEFORE UPDATE OR DELETE ON pool_spends
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
