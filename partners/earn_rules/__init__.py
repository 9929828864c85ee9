"""Earn rules as data, evaluated by pure functions over plain values (no SQL).

``rule_sets`` (a partner's versions and the one in force), ``checks`` (an admin's new
version, checked), ``evaluation`` (a purchase's points line by line, caps after), ``record``
(what a transaction keeps of that, and back), ``explain`` (the rules step by step, in
words), ``returns`` (the points a return of lines takes back, at the rates used).
"""
