"""Dashboards and official reports across areas, and the department roll-up (DESIGN.md)."""
