"""What the server that forks a batch's workers loads once, for all of them (see
:func:`evidence.runs.batch._process_context`): the batch's worker side, the runner, warm kernels and Papermill.

Papermill is imported as the runner imports it (:func:`~evidence.notebooks.catalog.import_papermill`): by its
name alone it would probe its remote stores and load pyarrow and numpy, which no worker uses, while the first
worker waits to be forked.
"""

from evidence.notebooks.catalog import import_papermill
from evidence.runs import batch, execute, kernel, warm

import_papermill()

__all__ = ["batch", "execute", "kernel", "warm"]
