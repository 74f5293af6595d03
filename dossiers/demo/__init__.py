"""Demo data and benchmark data: ``manage.py seed_demo``.

* ``people``: the demo accounts (one password for all) and their roles;
* ``paths``: the sequences of actions a dossier can go through, read from the transition table;
* ``plan``: the demo's dossiers as a pure function of the seed — scenarios, stories, actors, every moment;
* ``seed``: plays the plan through the real services, each action at its moment (``at=``), telling nobody;
* ``files``: tiny PDFs for scanned components and results, paper components received at the counter;
* ``texts``: names, CCCD and phone numbers, reasons;
* ``bulk``: benchmark data — any number of dossiers written in bulk (PostgreSQL ``COPY``), not a demo.
"""
