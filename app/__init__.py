"""The web, API, CLI and scheduler adapters: the only package that knows Flask."""
