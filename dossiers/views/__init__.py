"""Citizen pages of the dossier app: the public lookup (``lookup``), online filing (``filing``) and the citizen's
own dossiers (``mine``). Server-rendered from the same selectors and services as the REST API."""
