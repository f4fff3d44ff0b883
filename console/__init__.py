"""The staff console (FastAPI + Jinja2): sign-in, queues, the 核查 workflow, rewards,
statistics and ledger exports. A separate app from the public site, for an internal network.
"""
