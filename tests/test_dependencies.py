"""The lock files pin what pyproject.toml asks for, with hashes (make lock)."""

import re
import tomllib

import pytest

from .conftest import ROOT

# The database does not matter to it: one of tests/run's two runs.
pytestmark = pytest.mark.one_run("postgres")

PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(text):
    return {
        name.lower().replace("_", "-"): version for name, version in PIN.findall(text)
    }


def lock(name):
    return (ROOT / name).read_text()


def test_every_pin_in_pyproject_is_locked_at_that_version():
    project = tomllib.loads(lock("pyproject.toml"))["project"]
    runtime = pins("\n".join(project["dependencies"]))
    test = pins("\n".join(project["optional-dependencies"]["test"]))
    bench = pins("\n".join(project["optional-dependencies"]["bench"]))
    locked = pins(lock("requirements.txt"))
    assert runtime.items() <= locked.items(), "pyproject.toml changed: run make lock"
    locked_test = pins(lock("requirements-test.txt"))
    assert (runtime | test).items() <= locked_test.items(), "run make lock"
    locked_bench = pins(lock("requirements-bench.txt"))
    assert (runtime | test | bench).items() <= locked_bench.items(), "run make lock"


def test_deploy_test_and_bench_locks_agree():
    deploy, test = pins(lock("requirements.txt")), pins(lock("requirements-test.txt"))
    assert (
        deploy.items() <= test.items() <= pins(lock("requirements-bench.txt")).items()
    )


def test_every_locked_package_has_a_hash():
    for name in ("requirements.txt", "requirements-test.txt", "requirements-bench.txt"):
        entries = re.split(r"\n(?=\S)", lock(name))
        locked = [entry for entry in entries if PIN.match(entry)]
        assert locked and all("--hash=sha256:" in entry for entry in locked), name
