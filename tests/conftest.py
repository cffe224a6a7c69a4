"""Shared fixtures: the real data in ../shared/data (never copied into the project)."""

from __future__ import annotations

import functools
import gc
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Machines here are shared and noisy: no wall-clock deadlines in property tests (speed is measured in
# benchmarks/, never asserted in tests).
# The suite's examples are derandomized (the same ones on every run: a CI run never fails on an example no
# earlier run drew); EVIDENCE_HYPOTHESIS=explore draws new ones on every run (500 where a test sets no number),
# to look for failures.
settings.register_profile(
    "evidence", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile(
    "explore", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=500
)
settings.load_profile(os.environ.get("EVIDENCE_HYPOTHESIS", "evidence"))

# Cell-key perturbations depend on a secret (normally a key file in the user's data folder): tests use a fixed
# one, so that their perturbed numbers are reproducible and no key file is written outside the test folders.
os.environ.setdefault("EVIDENCE_CELL_KEY_SECRET", "evidence tests: a fixed, public secret")

# One BLAS thread per process (set before numpy loads; kernels and subprocesses inherit it): the two lanes of
# scripts/test, and colleagues' work, share two cores, and BLAS threads that wait on each other on a busy
# machine made single fits take tens of seconds.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
# polars' pool too (read when polars first uses it): the tests are thousands of small operations on small tables,
# as a brief is, and a pool per core in each of the lanes' four workers spun waiting for its own threads (the
# CLI's differencing family: a quarter less CPU on one thread). A kernel a test starts keeps the size its runner
# gives it on these machines (its share of two cores among the runner and what works beside it: one thread).
os.environ.setdefault("POLARS_MAX_THREADS", "1")

# pytest-xdist's workers (scripts/test runs the fast lane on both cores) start with COLUMNS=80 and LINES=24 in
# their environment: rich would fix every console the CLI creates at import to 80 columns, whatever width a test
# then sets. Without them the width is read when printing, as in a plain pytest run.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _variable in ("COLUMNS", "LINES"):
        os.environ.pop(_variable, None)

# These machines set PYTHONDONTWRITEBYTECODE, and pytest then never keeps the test modules it rewrites for its
# assertions: every process of every run (each xdist worker of both lanes) parsed and rewrote all ~150 of them
# again, half of the cost of collecting the suite. From here on (the test modules are imported after this file)
# pytest keeps them in the tests' __pycache__ folders (ignored by git), as it does on any other machine. Kernels
# and subprocesses keep the machine's setting.
sys.dont_write_bytecode = False

# The garbage collector's generations a test process walks: ~200,000 objects once the suite is imported and
# collected (modules, ~3,800 test items, hypothesis' strategies), walked whole at every full collection, which
# Python's thresholds (700 allocations, then 10 and 10) started about every few hundred tests. That was a
# twentieth of a worker's CPU (tests/sources: 5.3 of 80 s); twenty times fewer collections of the young
# generation, and so of all three, cost a third of it. Reference counting frees everything but cycles as
# before; a cycle (a traceback holding its frames) lives a little longer. Not frozen: a test of the kernels'
# warm-up (tests/notebooks/test_runtime.py) asserts the toolkit froze them.
gc.set_threshold(20_000, 20, 20)


def _command_built_once() -> None:
    """Build each Typer app's click command once per test process, not at every invocation.

    Typer's ``CliRunner.invoke`` (and ``app()``) rebuild the whole click command tree from the app's
    registrations each time: ~14 ms for the toolkit's app, over a thousand times in the suite (a tenth of the CLI
    tests' CPU). The command is rebuilt when the app's registrations change, so a test that adds a command to an
    app it made still sees it; what the command does is unchanged (its callbacks are the registered functions
    either way).
    """
    import typer.main
    import typer.testing

    build = typer.main.get_command
    built: dict[int, tuple[object, tuple[int, ...], object]] = {}

    def registrations(app: typer.Typer) -> tuple[int, ...]:
        shape = [len(app.registered_commands), len(app.registered_groups), id(app.registered_callback)]
        for group in app.registered_groups:
            if group.typer_instance is not None:
                shape.extend(registrations(group.typer_instance))
        return tuple(shape)

    def get_command(app: typer.Typer) -> object:
        shape = registrations(app)
        hit = built.get(id(app))
        if hit is None or hit[0] is not app or hit[1] != shape:
            hit = built[id(app)] = (app, shape, build(app))
        return hit[2]

    typer.main.get_command = get_command  # type: ignore[assignment]
    typer.testing._get_command = get_command  # type: ignore[attr-defined]


_command_built_once()

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
FIXTURES = REPO_ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real releases; tests that need it skip (loudly) when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder not found at {SHARED_DATA}")
    return SHARED_DATA


#: The four real sources a country brief brings together, as the shared data folder holds them.
REAL_SOURCES = (
    "ctdc/k_anon_sample.csv",
    "unodc/data_glotip_2023-05-30.xlsx",
    "walkfree/gsi_2023.xlsx",
    "tip/tip_tiers_1999_2015.csv",
)


@pytest.fixture(scope="session")
def real_tables(shared_data):
    """The CTDC k-anonymised sample, UNODC GLOTIP 2023, GSI 2023 and TIP tiers, loaded (in that order)."""
    from evidence.sources.cache import load_cached

    return [load_cached(shared_data / name) for name in REAL_SOURCES]


@pytest.fixture(scope="session")
def unodc_2023(real_tables):
    """UNODC GLOTIP 2023 as ``real_tables`` holds it: one table for the tests that read it, so that what the
    analyses build once per frame (a country's rows, the doubtful breakdowns, the flow records: ~80 ms CPU for a
    frame of its own, which ``load_cached`` gives each call) is built once per test process, not in each test. No
    test changes it (polars frames are immutable); a test of what is built once per frame loads its own."""
    return real_tables[1]


@pytest.fixture(scope="session")
def ctdc_sample(real_tables):
    """The CTDC k-anonymised sample as ``real_tables`` holds it, shared by the tests that read it as
    :func:`unodc_2023` is (what the causes sections build once per frame of it, once per test process)."""
    return real_tables[0]


@pytest.fixture(scope="session")
def own_records(real_tables):
    """The k-anonymised sample: victim records of real people, protected by the cell key method (as an
    organisation's own records are)."""
    sample = real_tables[0]
    assert sample.protection == "cell_key"
    return sample


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


# ------------------------------------------------------------------------------------------------ test lanes
# scripts/test runs a fast lane first (`-m "not kernel and not browser"`: no Jupyter kernel, no Chromium),
# then the rest. In the fast lane a test that starts a kernel fails loudly, so a missing `kernel` mark is
# found at once rather than slowing the lane down.
FAST_LANE = os.environ.get("EVIDENCE_TEST_LANE") == "fast"


@pytest.fixture(autouse=True, scope="session")
def _no_kernels_in_the_fast_lane():
    if not FAST_LANE:
        yield
        return
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    def refuse(*args, **kwargs):
        raise RuntimeError("the fast lane starts no kernel: mark this test @pytest.mark.kernel")

    import evidence.runs.kernel

    names = ("_async_start_kernel", "start_kernel")
    classes = (KernelManager, AsyncKernelManager)
    saved = {(cls, name): cls.__dict__.get(name) for cls in classes for name in names}
    for cls, name in saved:
        setattr(cls, name, refuse)
    # The early start of `evidence brief` and `evidence run` (evidence.runs.warm.prestart) launches the kernel's
    # process itself, not through jupyter_client: refused too. prestart never raises (its kernel is a start-up
    # aid), so a fast-lane test of a command refused before its run goes on without a kernel process started
    # and killed (about fifty in a run); a test that runs a notebook still fails here, loudly.
    spawn = evidence.runs.kernel.spawn_kernel
    evidence.runs.kernel.spawn_kernel = refuse  # type: ignore[assignment]
    yield
    evidence.runs.kernel.spawn_kernel = spawn  # type: ignore[assignment]
    for (cls, name), method in saved.items():
        if method is None:
            delattr(cls, name)
        else:
            setattr(cls, name, method)


#: Calls that execute a notebook: a test that makes one is a kernel test even if its author forgot the mark.
_KERNEL_CALLS = ("run_notebook(", "execute_run(", "run_batch(", "execute_notebook(")


#: The kernel lane's selection in scripts/test (`-m "kernel or browser"`).
KERNEL_LANE_MARKS = "kernel or browser"
#: Words a test file names if it may hold a test of the kernel lane: its marks (`pytest.mark.kernel`,
#: `pytest.mark.browser`, in a decorator, a `pytestmark` or a `pytest.param`), or a call that makes
#: pytest_collection_modifyitems below mark it. Lower case: the file's text is compared lower-cased. The marks
#: as written, not the bare words: twenty files that only say "kernel" (a `--kernel` option, a docstring) or
#: "browser" were imported by both workers of the lane for nothing (~0.7 CPU-seconds a worker).
_KERNEL_LANE_WORDS = ("mark.kernel", "mark.browser", *(call.lower() for call in _KERNEL_CALLS))


def _in_the_kernel_lane(config: pytest.Config) -> bool:
    return " ".join(str(config.getoption("markexpr", "") or "").split()) == KERNEL_LANE_MARKS


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In the kernel lane, a test file that names neither mark nor any kernel call is not imported.

    Its tests could only be deselected there (a test is in the lane by a mark its file writes, or by a kernel call
    its source makes), but each of the lane's two workers imported and collected all ~165 files, ~4.5 CPU-seconds
    a worker, for the ~25 files that can hold a kernel or browser test. The lane runs the same tests (the list of
    the lane's tests collected either way is the same); any other selection collects every file, as before.
    """
    if not (
        collection_path.suffix == ".py"
        and collection_path.name.startswith("test_")
        and _in_the_kernel_lane(config)
    ):
        return None
    return None if _may_hold_kernel_lane_tests(collection_path) else True


@functools.cache
def _may_hold_kernel_lane_tests(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8").lower()
    except (OSError, UnicodeDecodeError):
        return True  # collected, as any file: its errors are reported there
    return any(word in text for word in _KERNEL_LANE_WORDS)


@pytest.hookimpl(tryfirst=True)  # before -m selects the lane's tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from _lanes import KernelCalls

    calls_a_kernel = KernelCalls(_KERNEL_CALLS)
    for item in items:
        function = getattr(item, "function", None)
        if function is None or item.get_closest_marker("kernel") is not None:
            continue
        if calls_a_kernel(function):
            item.add_marker(pytest.mark.kernel)
    # A kernel or browser test in a file the kernel lane does not collect (its mark given under another name, say
    # `heavy = pytest.mark.kernel` imported from a helper) would run in neither lane: refused here, in any run
    # that collects it (the fast lane collects every file).
    lost = sorted(
        {
            str(item.path)
            for item in items
            if (item.get_closest_marker("kernel") or item.get_closest_marker("browser"))
            and not _may_hold_kernel_lane_tests(item.path)
        }
    )
    if lost:
        raise pytest.UsageError(
            "kernel or browser tests in files that name neither mark nor a kernel call (the kernel lane does not "
            f"collect them; write the mark as pytest.mark.kernel or pytest.mark.browser): {', '.join(lost)}"
        )
    if _in_the_kernel_lane(config):
        _select_the_kernel_lane(config, items)


def _select_the_kernel_lane(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The kernel lane's selection (`-m "kernel or browser"`), made here, before the other plugins' hooks see the
    items, rather than by -m after them: hypothesis' plugin, finding its tests among the items -m would deselect,
    parsed the source of every module of the toolkit for its examples' constants (~0.45 CPU-s a worker), for a
    lane that runs none of them. -m then finds nothing more to deselect; the same tests run, the same number
    reported deselected."""
    kept, deselected = [], []
    for item in items:
        lane = item.get_closest_marker("kernel") or item.get_closest_marker("browser")
        (kept if lane else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


# ------------------------------------------------------------------------------------ the slow tests first
#: Test files holding a test of several seconds of computation that carries no ``slow`` mark (a single test of
#: a module fixture's family, or a case of a parametrised test), measured on these machines. Files with a test
#: marked ``slow`` need not be listed.
KNOWN_SLOW_FILES = (
    "tests/cli/test_analyse_differencing.py",
    "tests/cli/test_analyse.py",
    "tests/cli/test_main.py",
    "tests/analyses/test_glm_imports.py",
    "tests/sources/test_ctdc_layouts.py",
    "tests/notebooks/test_causes_linked.py",
    "tests/presentation/test_disclosure.py",
    "tests/analyses/estimation/test_mse_audit.py",
)


class _SlowFirst:
    """Reorders the lane's tests in each worker of a work-stealing run (every worker collects the same order)."""

    def __init__(self, n_workers: int) -> None:
        self.n_workers = n_workers

    @pytest.hookimpl(trylast=True)  # after -m has selected the lane's tests: the chunks are of those
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        def weight_of(name: str, members: list[pytest.Item]) -> int:
            slow = sum(1 for item in members if item.get_closest_marker("slow") is not None)
            return slow + (name in KNOWN_SLOW_FILES)

        from _order import slow_first

        items[:] = slow_first(items, weight_of, self.n_workers)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist, in the controller: tells each worker how the tests are shared out (a worker's own options
    say ``--dist no``)."""
    node.workerinput["evidence_dist"] = node.config.getoption("dist")


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", {})
    if workerinput.get("evidence_dist") == "worksteal":
        config.pluginmanager.register(_SlowFirst(int(workerinput["workercount"])), "evidence-slow-first")
