"""The audit log: who did what, on what, when, from where.

The bottom of the Django apps: it imports no other datapolis app. `events.record()`
writes an event, `exports` reads and exports them for admins.
"""
