"""The xng demo: a small shop, a privacy page, a live event panel and the collector behind them.

Run it with `python -m demo_site.server`; tests use `demo_site.server.start(...)`.
"""
