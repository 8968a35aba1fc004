"""Experts, specialties, availability and random draws with recusal (DESIGN.md section 1).

The package never imports ``bidding``: the draw is given the tender's parties (tenderee, agent, the
section's bidders) as plain values by the caller, so the layers keep pointing one way.
"""
