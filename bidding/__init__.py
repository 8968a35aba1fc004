"""The procurement domain: parties, tender plans, tenders, documents, amendments, questions, objections."""
