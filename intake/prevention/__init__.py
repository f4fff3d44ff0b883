"""Prevention: helping the next family before they pay. Warnings and typical cases (warnings.py)."""
