"""``schema.graphql`` at the repository root is the exported SDL; stale means failing."""

from __future__ import annotations

from exchange.gateway.export_schema import DEFAULT_PATH, main, sdl


def test_schema_file_is_current():
    assert DEFAULT_PATH.exists(), "run: python -m exchange.gateway.export_schema"
    assert DEFAULT_PATH.read_text() == sdl(), (
        "schema.graphql is stale: run python -m exchange.gateway.export_schema"
    )


def test_check_mode(tmp_path, capsys):
    target = tmp_path / "schema.graphql"
    assert main(["--check", "--path", str(target)]) == 1
    assert main(["--path", str(target)]) == 0
    assert main(["--check", "--path", str(target)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_contract_names_are_in_the_schema():
    text = sdl()
    for name in (
        "enrollMember(input: EnrollMemberInput!): EnrollMemberPayload!",
        "earnPoints(input: EarnPointsInput!): EarnPointsPayload!",
        "reverseEarn(input: ReverseEarnInput!): ReverseEarnPayload!",
        "authorizeBurn(input: AuthorizeBurnInput!): AuthorizeBurnPayload!",
        "captureBurn(input: CaptureBurnInput!): CaptureBurnPayload!",
        "voidBurn(input: VoidBurnInput!): VoidBurnPayload!",
        "burnPoints(input: BurnPointsInput!): BurnPointsPayload!",
        "refundBurn(input: RefundBurnInput!): RefundBurnPayload!",
        "member(id: ID = null, cardNumber: String = null, externalId: String = null): Member",
        "hold(id: ID!): Hold",
        "node(id: ID!): Node",
        "userErrors: [UserError!]!",
        "field: [String!]",
        "code: ErrorCode!",
    ):
        assert name in text, name
