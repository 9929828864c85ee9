"""Referral (contract section 9): a member's code, the referred member's first qualifying
purchase, bonuses to both, once, never for self-referral."""
