"""The staff desk (``/can-bo/``): the pages the clerks, handlers and leaders of the communes and departments work
from all day (issue 12).

* ``queues`` — the queues of the units the person belongs to, with their counts, search and bulk actions;
* ``counter`` — receiving a walk-in citizen's dossier at the counter, from the keyboard alone;
* ``dossier`` — one dossier: documents with a preview, timeline, control slip, one button per allowed action;
* ``guidance`` — the guidance slip for what an incomplete dossier still needs (never received).

Every page is log-in only and for staff (``common.desk_view``); every read goes through ``dossiers.selectors`` (the
same scoped selectors as the API), every write through ``dossiers.services`` with the page's dossier version as
``expected_version``: a stale page gets a clear message and the fresh page, never a silent overwrite.
"""
