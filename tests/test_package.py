"""The two distributions: one version, an exact pin, no file or command in common, and a
runtime wheel that is small and needs neither TensorFlow nor Keras."""

import os
import re
import subprocess
import sys
import zipfile

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME = os.path.join(ROOT, "runtime")


def pyproject(directory):
    with open(os.path.join(directory, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)


def test_one_version_and_an_exact_pin():
    import kerasgen
    import kerasgen_runtime

    main, runtime = pyproject(ROOT), pyproject(RUNTIME)
    assert main["project"]["name"] == "kerasgen-zoo"
    assert runtime["project"]["name"] == "kerasgen-zoo-runtime"
    assert runtime["project"]["dynamic"] == ["version"]
    assert runtime["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "kerasgen_runtime.__version__"
    }
    with open(os.path.join(RUNTIME, "kerasgen_runtime", "__init__.py")) as f:
        source_version = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)
    pins = [d for d in main["project"]["dependencies"] if d.startswith("kerasgen-zoo-runtime")]
    assert pins == [f"kerasgen-zoo-runtime=={source_version}"]
    assert main["project"]["version"] == source_version == kerasgen_runtime.__version__
    assert kerasgen.__version__ == source_version


def test_the_distributions_share_no_module_and_no_command():
    main, runtime = pyproject(ROOT), pyproject(RUNTIME)
    main_tools, runtime_tools = main["tool"]["setuptools"], runtime["tool"]["setuptools"]
    main_top = {name.split(".")[0] for name in main_tools["packages"]}
    main_top |= set(main_tools.get("py-modules", []))
    runtime_top = {name.split(".")[0] for name in runtime_tools["packages"]}
    assert main_top == {"kerasgen", "kerasgen_cli"} and runtime_top == {"kerasgen_runtime"}
    # kerasgen's package folders (kerasgen/, zoo/, export/) never map into the runtime.
    assert not any(d.startswith("runtime") for d in main_tools.get("package-dir", {}).values())
    assert set(main["project"]["scripts"]) == {"kerasgen"}
    assert set(runtime["project"]["scripts"]) == {"kerasgen-sample"}


def test_runtime_wheel_is_small_and_needs_only_numpy_and_onnxruntime(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), RUNTIME],
        check=True, capture_output=True, cwd=tmp_path,
    )
    (wheel,) = [p for p in os.listdir(tmp_path) if p.endswith(".whl")]
    path = os.path.join(tmp_path, wheel)
    assert os.path.getsize(path) < 1_000_000
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("dist-info/METADATA"))).decode()
    assert all(n.startswith(("kerasgen_runtime/", "kerasgen_zoo_runtime-")) for n in names), names
    assert not [n for n in names if n.endswith((".h5", ".keras", ".onnx", ".npz", ".png"))]
    requires = re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)", metadata, re.M)
    assert sorted(requires) == ["numpy", "onnxruntime", "pillow"]
    assert 'extra == "png"' in next(l for l in metadata.splitlines() if "pillow" in l)
