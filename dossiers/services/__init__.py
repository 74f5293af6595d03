"""Every write to a dossier. One shape for every transition (STYLE.md):

``transaction.atomic()`` → ``select_for_update()`` the dossier → scope (404), version (409), role (403) and
transition table (409) checks → apply → ``save(update_fields=…)`` → one audit event and one control-slip row →
the applicant's notices written to the outbox in the same transaction, delivered after commit. Nothing is ever
half-written.

- ``core``: that shape (``begin``, ``finish``, ``record``, ``notify_step``) and the dossier codes;
- ``validation``: input checked at the edge (text, CCCD / tax code, phone, e-mail, the applicant);
- ``filing``: creating a dossier (online or by post, or received at the counter);
- ``transitions``: one service per workflow action, and ``SERVICES`` (action → service) for the API;
- ``documents``: a dossier's files (upload, the recorded download) and the components received on paper.
"""

from dossiers.services.core import format_code, next_sequence
from dossiers.services.documents import document_download, document_upload, documents_mark_received_on_paper
from dossiers.services.filing import dossier_file, dossier_receive_at_counter
from dossiers.services.transitions import (
    SERVICES,
    dossier_assign,
    dossier_confirm_payment,
    dossier_confirm_withdrawal,
    dossier_decide,
    dossier_extend,
    dossier_rate,
    dossier_receive,
    dossier_refuse,
    dossier_request_payment,
    dossier_request_supplement,
    dossier_return,
    dossier_stop,
    dossier_supplement,
    dossier_transfer,
    dossier_withdraw,
)
from dossiers.services.validation import LIMITS, Applicant, clean_email, clean_id_number, clean_phone, clean_text
from portal.common.errors import Forbidden, InvalidTransition, StaleVersion

__all__ = [
    "LIMITS",
    "SERVICES",
    "Applicant",
    "Forbidden",
    "InvalidTransition",
    "StaleVersion",
    "clean_email",
    "clean_id_number",
    "clean_phone",
    "clean_text",
    "document_download",
    "document_upload",
    "documents_mark_received_on_paper",
    "dossier_assign",
    "dossier_confirm_payment",
    "dossier_confirm_withdrawal",
    "dossier_decide",
    "dossier_extend",
    "dossier_file",
    "dossier_rate",
    "dossier_receive",
    "dossier_receive_at_counter",
    "dossier_refuse",
    "dossier_request_payment",
    "dossier_request_supplement",
    "dossier_return",
    "dossier_stop",
    "dossier_supplement",
    "dossier_transfer",
    "dossier_withdraw",
    "format_code",
    "next_sequence",
]
