"""Glimpse's desktop app (PySide6): imports engine/, never the reverse."""

from app.refcount_guard import protect_singletons

protect_singletons()  # before any PySide6 call: see app/refcount_guard.py
