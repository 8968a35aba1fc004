"""Experts, specialties, availability and random draws with recusal (later issues)."""
