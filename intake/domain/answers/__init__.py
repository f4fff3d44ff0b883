"""Normalise and validate what a reporter types: amounts, phones, e-mail, dates, free text.

Pure functions, no I/O, one module per kind of answer. User mistakes come back as `Invalid`
values (`invalid.py`), never as exceptions.
"""
