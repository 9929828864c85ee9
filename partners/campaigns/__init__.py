"""Campaigns and promo codes as data, evaluated by pure functions over plain values (no SQL).

``terms`` (a campaign, its versions, segments, what an earn is offered), ``checks`` (an
admin's new version, checked), ``control`` (who is held out), ``draws`` (instant wins, and
their re-check), ``evaluation`` (what the campaigns claim for a purchase), ``record`` (what
an earn keeps of that, and back), ``explain`` (in words), ``returns`` (what a return takes
back of the campaigns' points).
"""
