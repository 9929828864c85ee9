"""Bonus events (contract section 9): points partners award for what is not a purchase."""
