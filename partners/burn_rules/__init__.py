"""Burn rules as data, evaluated by pure functions over plain values (no SQL).

``rule_sets`` (a partner's versions and the one in force), ``checks`` (an admin's new
version, checked), ``evaluation`` (the limits a burn meets, the most points usable now),
``record`` (what a burn keeps of that, and back), ``explain`` (the limits in words).
"""
