"""The dashboard's referral card: the member's code, what the program in force pays (500 to
the referrer, 250 to the friend, on a first earn of at least 100 points), and what the
member's referrals brought it, in English and in Russian."""

from __future__ import annotations

from datetime import timedelta

from web_client import Web
from webapp_support import Program, base_time

from exchange.kit.db import transaction
from partners.referrals import enrolling, payouts, repository, setting
from partners.referrals.program import Terms


async def test_the_dashboard_shows_the_code_the_terms_and_the_bonuses(
    program: Program, web: Web
) -> None:
    now = base_time()
    fuel = await program.partner("FUEL")
    ana = await program.member(fuel, email="ana@example.com")
    ben = await program.member(fuel, email="ben@example.com")
    client = web()
    await client.log_in("ana@example.com")
    async with transaction(program.pool) as conn:
        code = await repository.code_of(conn, ana)
    assert code is not None
    before = (await client.get("/app")).text
    assert f'<strong id="referral-code">{code}</strong>' in before
    assert "When a friend enrols" not in before  # no program: referrals pay nothing

    async with transaction(program.pool) as conn:
        await setting.set_program(
            conn,
            Terms(referrer_points=500, referred_points=250, minimum_points=100),
            effective_from=None,
            caller="admin",
            key="referrals",
            actor="test",
            now=now - timedelta(days=1),
        )
        await enrolling.refer(
            conn, referred_member_id=ben, email=None, code=code, partner_id=fuel, now=now
        )
    await program.ledger.earn(ben, fuel, "100.00", now=now)
    assert (await payouts.pay_qualified(program.pool, now=now)).points == 750
    page = (await client.get("/app")).text
    assert (
        "When a friend enrols with your code and first earns at least 100 points, your friend"
        " gets 250 points and you get 500." in page
    )
    assert "Friends who joined with your code: 1; bonuses they brought you: 500 points." in page
    russian = (await client.get("/app", headers={"accept-language": "ru"})).text
    assert "Пригласите друга" in russian and code in russian
    assert "Друзей, присоединившихся по вашему коду: 1; бонусов за них: 500 баллов." in russian
