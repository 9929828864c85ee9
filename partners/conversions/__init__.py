"""Exchange between programs (contract section 10): partners' program currencies, their
conversion rules, quotes, and conversions in and out."""
