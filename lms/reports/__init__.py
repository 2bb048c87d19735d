"""Dashboards and official reports across areas, and the department roll-up (DESIGN.md).

- the cashless share of fee payments by count and by value, per legal method, channel and period,
  and the school's targets — `cashless.py` (settings in `models.py`);
- the principal's dashboard, one figure per area with its monthly trend — `dashboard.py`;
- the official half-year and annual reports, a school's to its department and a department's of
  all its schools, as PDF and Excel built in a background job — `official.py`.
Every figure is computed for exactly the period chosen (year, term, half-year). The areas' own
pages (grade-book progress, online share, debts) stay in their areas; these modules read them.
Views: `views.py`.
"""
