"""Dossier documents below the services: the content checks and file names (``checks``), and the private storage's
clean-up after a failed write (``storage``). The writes themselves — upload, components received on paper, the
recorded download — are services: ``dossiers.services.documents``.

* **Checks are on the content**, never on the name or the declared type: a file is accepted only if it is a PDF,
  a JPEG or a PNG that its reader decodes completely. Empty, oversize, disguised (an executable, a zip or an HTML
  page renamed ``.pdf``) and truncated files are refused with a 400 that names the file and the reason; so is a
  dossier whose documents would exceed their total limit. The checks are pure: bytes and limits in, verdict out.
* **Names are sanitised**: NFC, no directories, no control or format characters, no leading dots, at most
  120 characters; Vietnamese is kept. The stored object's key never contains the user's name.

Nothing here imports the services, the selectors or the API (an import-linter contract keeps it so).
"""

from dossiers.documents.checks import (
    EXTENSIONS,
    JPEG,
    PDF,
    PNG,
    CheckedFile,
    DocumentsTooLarge,
    InvalidFile,
    _Rejected,
    check_dossier_total,
    check_file,
    check_files,
    clean_filename,
    content_disposition,
    download_name,
    size_label,
)
from dossiers.documents.storage import removed_on_failure

__all__ = [
    "EXTENSIONS",
    "JPEG",
    "PDF",
    "PNG",
    "CheckedFile",
    "DocumentsTooLarge",
    "InvalidFile",
    "_Rejected",
    "check_dossier_total",
    "check_file",
    "check_files",
    "clean_filename",
    "content_disposition",
    "download_name",
    "removed_on_failure",
    "size_label",
]
