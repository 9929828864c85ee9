"""The reward catalogue: rewards partners list at a points price, with an active window and
an optional stock.

``checks`` (a partner's input, checked; pure), ``catalogue`` (create, update, retire, list),
``redemption`` (the unit a redemption takes in the burn's own transaction, and a refund
gives back). Redeeming is a burn at the reward's partner through the burn path and its rules.
"""
