"""Server-rendered pages, one blueprint per audience (DESIGN.md section 1)."""
