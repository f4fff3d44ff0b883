"""Figures and paper for coordinators: the ledger (台账), statistics, the printable assignment sheet."""
