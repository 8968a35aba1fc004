"""Keys, signatures, signed records and the tamper-evident ledger (DESIGN.md section 4)."""
