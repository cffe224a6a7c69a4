"""The organisation's register of case records: monthly exports imported over time, pseudonymised, in DuckDB.

``docs/case-records.md`` is the guide. :func:`import_export` adds an export; :func:`records_as_of` gives the
case table as it stood on any date (the register is also a data file any loader call reads: a ``.duckdb``
register is recognised as the organisation's case records, as of its latest export); :func:`status` says
what it holds; :func:`erase` removes people on their request; :func:`link` counts one person's case ids once. The k-anonymised CTDC export and the
list-capture table live in :mod:`.ctdc_export` and :mod:`.lists`.
"""

from evidence.sources.register.erasure import ErasureResult, erase
from evidence.sources.register.keys import KEY_ENV, RegisterKey, RegisterKeyError, default_key_path, load_key
from evidence.sources.register.linking import LinkResult, link
from evidence.sources.register.store import (
    RECORD_KEY,
    AsOf,
    ImportResult,
    RegisterBusyError,
    RegisterError,
    ctdc_exports,
    default_register_path,
    export_date,
    export_dates,
    fold_case_id,
    import_export,
    is_register_file,
    records_as_of,
    register_country,
    resolve_as_of,
    status,
)

__all__ = [
    "KEY_ENV",
    "RECORD_KEY",
    "AsOf",
    "ErasureResult",
    "ImportResult",
    "LinkResult",
    "RegisterBusyError",
    "RegisterError",
    "RegisterKey",
    "RegisterKeyError",
    "ctdc_exports",
    "default_key_path",
    "default_register_path",
    "erase",
    "export_date",
    "export_dates",
    "fold_case_id",
    "import_export",
    "is_register_file",
    "link",
    "load_key",
    "records_as_of",
    "register_country",
    "resolve_as_of",
    "status",
]
