"""Demo and benchmark data (issue 5 point 9): ``manage.py seed_demo``.

* ``people``: the demo accounts (one password for all) and their roles;
* ``plan``: the demo's dossiers as a pure function of the seed — routes, scenarios, every action and its moment;
* ``seed``: plays the plan through the real services with the clock frozen at each moment (``time_machine``);
* ``files``: tiny PDFs for scanned components and results, paper components received at the counter;
* ``texts``: names, CCCD and phone numbers, reasons;
* ``bulk``: any number of dossiers written in bulk (PostgreSQL ``COPY``) for the benchmarks.
"""
