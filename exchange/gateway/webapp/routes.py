"""The web app's routes, under ``/app``."""

from __future__ import annotations

from starlette.routing import Route

from . import actions, auth_pages, conversions, pages, pool_pages


def webapp_routes() -> list[Route]:
    return [
        Route("/app", pages.dashboard, methods=["GET"]),
        Route("/app/history", pages.history_page, methods=["GET"]),
        Route("/app/transactions/{entry_id}", pages.transaction_page, methods=["GET"]),
        Route("/app/expiry", pages.expiry_page, methods=["GET"]),
        Route("/app/chart", pages.chart_page, methods=["GET"]),
        Route("/app/partners", pages.partners_page, methods=["GET"]),
        Route("/app/transfer", actions.transfer_form, methods=["GET"]),
        Route("/app/transfer", actions.transfer, methods=["POST"]),
        Route("/app/convert", conversions.convert_page, methods=["GET"]),
        Route("/app/convert", conversions.ask_for_quote, methods=["POST"]),
        Route("/app/convert/quotes/{quote_id}", conversions.quote_page, methods=["GET"]),
        Route("/app/convert/quotes/{quote_id}", conversions.convert, methods=["POST"]),
        Route("/app/cards", actions.cards_page, methods=["GET"]),
        Route("/app/cards", actions.ask_to_link_card, methods=["POST"]),
        Route("/app/cards/confirm", actions.card_code_form, methods=["GET"]),
        Route("/app/cards/confirm", actions.link_card, methods=["POST"]),
        Route("/app/pools", pool_pages.pools_page, methods=["GET"]),
        Route("/app/pools", pool_pages.create_pool, methods=["POST"]),
        Route("/app/pools/{pool_id}/contribute", pool_pages.contribute, methods=["POST"]),
        Route("/app/pools/{pool_id}/members", pool_pages.set_member, methods=["POST"]),
        Route("/app/pools/{pool_id}/remove", pool_pages.remove_member, methods=["POST"]),
        Route("/app/login", auth_pages.login_form, methods=["GET"]),
        Route("/app/login", auth_pages.ask_for_code, methods=["POST"]),
        Route("/app/login/code", auth_pages.code_form, methods=["GET"]),
        Route("/app/login/code", auth_pages.enter_code, methods=["POST"]),
        Route("/app/logout", auth_pages.log_out, methods=["POST"]),
        Route("/app/language", auth_pages.choose_language, methods=["POST"]),
    ]
