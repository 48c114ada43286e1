"""Glimpse's desktop app (PySide6): imports engine/, never the reverse."""
