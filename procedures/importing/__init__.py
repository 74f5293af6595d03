"""Reading the procedure catalogue from the national portal's files and the project's own format.

``reader.read_paths`` detects each file's format and returns format-independent ``CatalogueRecord`` objects;
``validation.validate_records`` reports problems as ``file:row: column: message``; ``procedures.services`` writes.
Modules: ``runtogether`` (the portal's run-together table strings), ``scope`` (which records belong to the
province, at which level and unit), ``detail`` (detail JSON), ``own_format`` (CSV/XLSX), ``reader`` (detection,
national XLSX export), ``validation``.
"""
