"""Layer 4, notebooks: locating the packaged notebooks, reading their declared parameters, and the calls a
notebook makes to take part in a run (data to load, output folder, provenance record)."""

from evidence.notebooks.catalog import (
    NotebookSpec,
    Parameter,
    ParamType,
    find_notebook,
    packaged_notebooks,
    read_notebook,
)
from evidence.notebooks.runtime import (
    data_files,
    load_data,
    output_dir,
    read_provenance,
    record_provenance,
    run_dir,
    synthetic_notice,
)

__all__ = [
    "NotebookSpec",
    "ParamType",
    "Parameter",
    "data_files",
    "find_notebook",
    "load_data",
    "output_dir",
    "packaged_notebooks",
    "read_notebook",
    "read_provenance",
    "record_provenance",
    "run_dir",
    "synthetic_notice",
]
