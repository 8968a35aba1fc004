"""The shared kernel: what every domain package needs and nothing more (DESIGN.md section 1)."""
