"""The public web site: the report wizard, the status page and the partner JSON API (FastAPI + Jinja2).

A channel: it only translates HTTP to calls into the core (intake).
"""
