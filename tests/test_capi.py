"""The C ABI (fairmot/fairmot.h, libfairmot) as installed with the package.

Everything here builds against what ``python -m fairmot.info --include-dir /
--library-dir / --cmake-dir / --pkgconfig-dir`` report (the wheel's files in CI,
the editable install's during development) and compares with
``fairmot.tracking.JDETracker`` fed the same float32 arrays: same ids, order,
boxes, scores and det_index, bit for bit.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import fairmot.tracking as tracking
from fairmot import info
from streams import make_stream

ROOT = Path(__file__).resolve().parents[1]
CC = shutil.which("cc") or shutil.which("gcc")
CXX = shutil.which("c++") or shutil.which("g++")
CMAKE = shutil.which("cmake")
NM = shutil.which("nm")
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler")

FUNCTIONS = {"fairmot_abi_version", "fairmot_last_error", "fairmot_tracker_options_init", "fairmot_tracker_create",
             "fairmot_tracker_destroy", "fairmot_tracker_reset", "fairmot_tracker_update", "fairmot_tracks_free",
             "fairmot_tracker_frame_id", "fairmot_tracker_update_warped"}


def _load_example():
    path = ROOT / "examples" / "python_ctypes" / "track_ctypes.py"
    spec = importlib.util.spec_from_file_location("track_ctypes", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["track_ctypes"] = mod
    spec.loader.exec_module(mod)
    return mod


tc = _load_example()


@pytest.fixture(scope="module")
def lib():
    return tc.load(str(info.library_path()))


@pytest.fixture(scope="module")
def dirs():
    return {k: info.native_dir(k) for k in ("include", "library", "cmake", "pkgconfig")}


def _stream(seed=3, n_frames=300, n_objects=15):
    frames = list(make_stream(seed, n_frames=n_frames, n_objects=n_objects))
    if n_frames > 40:
        frames[40] = (np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 128), np.float32))
    return frames


def _reference_rows(frames, **options):
    """frame, id, x1, y1, w, h, score, det_index of JDETracker on float32 inputs."""
    trk = tracking.JDETracker(**options)
    rows = []
    for t, (b, s, e) in enumerate(frames, start=1):
        r = trk.update(b.astype(np.float32), s.astype(np.float32), e.astype(np.float32))
        rows += [[t, r.ids[k], *r.tlwh[k], r.scores[k], r.det_index[k]] for k in range(len(r))]
    return np.array(rows, dtype=np.float64)


def _write_text_stream(path: Path, frames) -> None:
    with path.open("w") as fh:
        fh.write("# frame x1 y1 x2 y2 score embedding...\n")
        for t, (boxes, scores, emb) in enumerate(frames, start=1):
            for b, s, e in zip(boxes, scores, emb):
                # %.9g round-trips float32 exactly
                fh.write(f"{t} " + " ".join(f"{float(v):.9g}" for v in (*b, s)) + " "
                         + " ".join(f"{float(v):.9g}" for v in e) + "\n")


def _parse_rows(text: str) -> np.ndarray:
    return np.array([[float(v) for v in line.split(",")] for line in text.splitlines()])


def _assert_equal_rows(rows: np.ndarray, expected: np.ndarray, cols: int = 7) -> None:
    assert rows.shape[0] == expected.shape[0] > 0
    np.testing.assert_array_equal(rows[:, :cols], expected[:, :cols])  # %.17g: exact


# ------------------------------------------------------------------ the package's files


def test_info_prints_the_native_directories(dirs):
    for flag, key in (("--include-dir", "include"), ("--library-dir", "library"), ("--cmake-dir", "cmake"),
                      ("--pkgconfig-dir", "pkgconfig")):
        out = subprocess.run([sys.executable, "-m", "fairmot.info", flag], capture_output=True, text=True, check=True)
        assert Path(out.stdout.strip()) == dirs[key] and dirs[key].is_absolute()
    assert (dirs["include"] / "fairmot" / "fairmot.h").is_file()
    assert (dirs["include"] / "fairmot" / "tracker" / "jde_tracker.hpp").is_file()
    assert (dirs["library"] / "libfairmot_tracker.a").is_file()
    assert (dirs["cmake"] / "fairmotConfig.cmake").is_file()
    assert (dirs["pkgconfig"] / "fairmot.pc").read_text().startswith("prefix=${pcfiledir}/")
    bad = subprocess.run([sys.executable, "-m", "fairmot.info", "--nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr
    with pytest.raises(ValueError, match="kind must be one of"):
        info.native_dir("headers")


def test_library_has_the_abi_soname_and_exports_only_fairmot_symbols(dirs):
    path = info.library_path()
    assert (dirs["library"] / "libfairmot.so.1").is_file()
    readelf = shutil.which("readelf")
    if readelf:
        dyn = subprocess.run([readelf, "-d", str(path)], capture_output=True, text=True, check=True).stdout
        assert "Library soname: [libfairmot.so.1]" in dyn
    if NM is None:
        pytest.skip("nm not found")
    out = subprocess.run([NM, "-D", "--defined-only", str(path)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[-1] for line in out.splitlines() if line.strip()}
    assert names == FUNCTIONS, sorted(names ^ FUNCTIONS)


@needs_cc
@pytest.mark.parametrize("lang", ["c99", "c++17"])
def test_header_compiles_warning_free_as_c99_and_cpp17(tmp_path, dirs, lang):
    compiler = CC if lang == "c99" else CXX
    if compiler is None:
        pytest.skip("no compiler")
    src = tmp_path / ("h.c" if lang == "c99" else "h.cpp")
    src.write_text("#include <fairmot/fairmot.h>\n#include <fairmot/fairmot.h>\n"
                   "int main(void) { fairmot_tracker_options o; o.struct_size = sizeof o; (void)o;\n"
                   "  return FAIRMOT_OK + FAIRMOT_E_INVALID_ARGUMENT * 0 + FAIRMOT_ASSOC_BYTE * 0\n"
                   "         + FAIRMOT_ABI_VERSION * 0; }\n")
    std = "-std=c99" if lang == "c99" else "-std=c++17"
    subprocess.run([compiler, std, "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", f"-I{dirs['include']}",
                    str(src)], check=True, capture_output=True, text=True)


@needs_cc
def test_struct_layout_matches_the_ctypes_declarations(tmp_path, dirs):
    src = tmp_path / "layout.c"
    src.write_text("""#include <stddef.h>
#include <stdio.h>
#include <fairmot/fairmot.h>
#define F(s, m) printf(#s "." #m " %zu\\n", offsetof(s, m))
int main(void) {
  printf("options %zu\\ntracks %zu\\n", sizeof(fairmot_tracker_options), sizeof(fairmot_tracks));
  F(fairmot_tracker_options, conf_thres); F(fairmot_tracker_options, track_buffer);
  F(fairmot_tracker_options, frame_rate); F(fairmot_tracker_options, association);
  F(fairmot_tracker_options, match_thres); F(fairmot_tracker_options, low_thres);
  F(fairmot_tracks, ids); F(fairmot_tracks, tlwh); F(fairmot_tracks, scores);
  F(fairmot_tracks, det_index); F(fairmot_tracks, class_ids);
  return 0;
}
""")
    exe = tmp_path / "layout"
    subprocess.run([CC, "-std=c99", f"-I{dirs['include']}", str(src), "-o", str(exe)], check=True)
    got = dict(line.rsplit(" ", 1) for line in subprocess.run([str(exe)], capture_output=True, text=True,
                                                               check=True).stdout.splitlines())
    assert int(got["options"]) == ctypes.sizeof(tc.TrackerOptions)
    assert int(got["tracks"]) == ctypes.sizeof(tc.Tracks)
    for struct, name in ((tc.TrackerOptions, "fairmot_tracker_options"), (tc.Tracks, "fairmot_tracks")):
        for field, _ in struct._fields_:
            key = f"{name}.{field}"
            if key in got:
                assert int(got[key]) == getattr(struct, field).offset, key


# ------------------------------------------------------------------ ctypes: results


@pytest.mark.parametrize("options", [{}, {"association": "byte"}, {"conf_thres": 0.5, "track_buffer": 10,
                                                                   "frame_rate": 15.0, "match_thres": 0.6}])
def test_ctypes_equals_jdetracker_bit_for_bit(lib, options):
    frames = _stream(seed=11, n_frames=300, n_objects=20)
    ref = tracking.JDETracker(**options)
    trk = tc.Tracker(lib, **options)
    total = 0
    for b, s, e in frames:
        r, q = trk.update(b, s, e), ref.update(b, s, e)
        for a, c in zip(r[:4], q):
            np.testing.assert_array_equal(a, c)
            assert a.dtype == c.dtype
        np.testing.assert_array_equal(r.class_ids, 0)
        total += len(q)
    assert total > 1000 and trk.frame_id == ref.frame_id == len(frames)
    trk.reset()
    ref.reset()
    assert trk.frame_id == 0
    for b, s, e in frames[:50]:
        for a, c in zip(trk.update(b, s, e)[:4], ref.update(b, s, e)):
            np.testing.assert_array_equal(a, c)


def test_class_ids_are_carried_to_the_output(lib):
    trk = tc.Tracker(lib)
    for b, s, e in _stream(seed=2, n_frames=30):
        r = trk.update(b, s, e, class_ids=np.full(len(s), 5))
        np.testing.assert_array_equal(r.class_ids, 5)


def test_mixed_classes_equal_the_python_multiclass_tracker(lib):
    """Several classes in one call: per-class association, each track's class in the output."""
    rng = np.random.default_rng(4)
    trk, ref = tc.Tracker(lib), tracking.JDETracker()
    n_classes = 0
    for b, s, e in _stream(seed=3, n_frames=60):
        # class 1: the class-0 detections shifted by 2 px with the same embeddings
        b2 = np.concatenate([b, b + 2]).astype(np.float32)
        s2 = np.concatenate([s, s]).astype(np.float32)
        e2 = np.concatenate([e, e]).astype(np.float32)
        k = np.repeat(np.array([0, 1], np.int64), len(s))
        order = rng.permutation(len(k))
        b2, s2, e2, k = b2[order], s2[order], e2[order], k[order]
        r, q = trk.update(b2, s2, e2, class_ids=k), ref.update(b2, s2, e2, class_ids=k)
        for a, c in zip(r, q):
            np.testing.assert_array_equal(a, c)
        n_classes = max(n_classes, len(set(r.class_ids.tolist())))
    assert n_classes == 2


def test_defaults_are_the_official_ones(lib):
    opts = tc.TrackerOptions()
    lib.fairmot_tracker_options_init(ctypes.byref(opts))
    assert opts.struct_size == ctypes.sizeof(tc.TrackerOptions)
    assert (opts.conf_thres, opts.track_buffer, opts.frame_rate, opts.association, opts.match_thres,
            opts.low_thres) == (0.4, 30, 30.0, 0, 0.4, 0.2)
    assert lib.fairmot_abi_version() == 1


# ------------------------------------------------------------------ ctypes: errors


def _raw_update(lib, handle, n, boxes, scores, emb, dim, cls=None):
    out = ctypes.POINTER(tc.Tracks)()
    ptr = lambda a, t: None if a is None else a.ctypes.data_as(ctypes.POINTER(t))  # noqa: E731
    rc = lib.fairmot_tracker_update(handle, n, ptr(boxes, ctypes.c_float), ptr(scores, ctypes.c_float),
                                    ptr(emb, ctypes.c_float), dim, ptr(cls, ctypes.c_int64), ctypes.byref(out))
    return rc, out


def _bad_calls(frame):
    b, s, e = (np.ascontiguousarray(a, dtype=np.float32) for a in frame)
    n, d = len(s), e.shape[1]
    nan_box, inf_box, ovf_box = b.copy(), b.copy(), b.copy()
    nan_box[-1, 0] = np.nan
    inf_box[0, 3] = np.inf
    ovf_box[0, 0], ovf_box[0, 2] = -3e38, 3e38  # x2 - x1 overflows float32
    inf_s, nan_e, zero_e = s.copy(), e.copy(), e.copy()
    inf_s[1] = -np.inf
    nan_e[2, 5] = np.nan
    zero_e[0] = 0
    wide = np.ascontiguousarray(np.concatenate([e, e[:, :1] * 0], axis=1))
    return [
        ("n < 0", (-1, b, s, e, d), "n must be >= 0, got -1"),
        ("NULL boxes", (n, None, s, e, d), "boxes_xyxy is NULL"),
        ("NULL scores", (n, b, None, e, d), "scores is NULL"),
        ("NULL embeddings", (n, b, s, None, d), "embeddings is NULL"),
        ("dim 0", (n, b, s, e, 0), "dim must be > 0"),
        ("dim < 0", (n, b, s, e, -4), "dim must be > 0"),
        ("huge n * dim", (n, b, s, e, 2**61), "too large"),
        ("dim mismatch", (n, b, s, wide, d + 1), f"embedding dimension {d + 1} differs from the dimension {d}"),
        ("NaN box", (n, nan_box, s, e, d), f"box {n - 1} contains NaN or inf"),
        ("inf box", (n, inf_box, s, e, d), "box 0 contains NaN or inf"),
        ("overflowing box", (n, ovf_box, s, e, d), "box 0 contains NaN or inf"),
        ("inf score", (n, b, inf_s, e, d), "score 1 is not finite"),
        ("NaN embedding", (n, b, s, nan_e, d), "embedding 2 is not finite"),
        ("zero embedding", (n, b, s, zero_e, d), "embedding 0 has zero norm"),
        ("negative class id", (n, b, s, e, d, np.full(n, -2, np.int64)), "class_ids[0] is -2"),
    ]


def test_every_bad_update_has_its_code_and_message_and_changes_nothing(lib):
    frames = _stream(seed=7, n_frames=80, n_objects=12)
    ref = tracking.JDETracker()
    trk = tc.Tracker(lib)
    for t, frame in enumerate(frames):
        if t >= 5 and t % 9 == 0 and len(frame[1]) >= 3:
            for what, args, message in _bad_calls(frame):
                before = trk.frame_id
                rc, out = _raw_update(lib, trk._handle, *args)
                assert rc == 1, what  # FAIRMOT_E_INVALID_ARGUMENT
                assert not out, what
                err = lib.fairmot_last_error().decode()
                assert err.startswith("fairmot_tracker_update: ") and message in err, (what, err)
                assert trk.frame_id == before
        for a, c in zip(trk.update(*frame)[:4], ref.update(*frame)):
            np.testing.assert_array_equal(a, c)


def test_null_handles_and_out_pointers(lib):
    out = ctypes.POINTER(tc.Tracks)()
    assert lib.fairmot_tracker_update(None, 0, None, None, None, 0, None, ctypes.byref(out)) == 1
    assert "tracker is NULL" in lib.fairmot_last_error().decode() and not out
    trk = tc.Tracker(lib)
    assert lib.fairmot_tracker_update(trk._handle, 0, None, None, None, 0, None, None) == 1
    assert "out is NULL" in lib.fairmot_last_error().decode()
    # n == 0: NULL arrays are fine and dim is ignored
    rc, out = _raw_update(lib, trk._handle, 0, None, None, None, 0)
    assert rc == 0 and out.contents.n == 0 and bool(out.contents.ids)
    lib.fairmot_tracks_free(out)
    assert trk.frame_id == 1
    assert lib.fairmot_tracker_reset(None) == 1 and "tracker is NULL" in lib.fairmot_last_error().decode()
    assert lib.fairmot_tracker_frame_id(None) == -1
    assert "fairmot_tracker_frame_id: tracker is NULL" in lib.fairmot_last_error().decode()
    lib.fairmot_tracker_destroy(None)
    lib.fairmot_tracks_free(None)
    handle = ctypes.c_void_p()
    assert lib.fairmot_tracker_create(None, ctypes.byref(handle)) == 0 and handle
    lib.fairmot_tracker_destroy(handle)
    assert lib.fairmot_tracker_create(None, None) == 1 and "out is NULL" in lib.fairmot_last_error().decode()


@pytest.mark.parametrize("field, value, message", [
    ("struct_size", 8,
     f"options.struct_size is 8 but this library (ABI 1) knows only {ctypes.sizeof(tc.TrackerOptions)}"),
    ("reid_buffer", -1, "reid_buffer"),
    ("reid_thres", float("nan"), "reid_thres"),
    ("struct_size", 64, "options.struct_size is 64"),
    ("association", 2, "options.association must be FAIRMOT_ASSOC_DEFAULT (0) or FAIRMOT_ASSOC_BYTE (1), got 2"),
    ("association", -1, "got -1"),
    ("conf_thres", float("nan"), "conf_thres"),
    ("track_buffer", -1, "track_buffer"),
    ("frame_rate", 0.0, "frame_rate"),
    ("frame_rate", float("inf"), "frame_rate"),
    ("match_thres", float("inf"), "match_thres"),
])
def test_bad_options_are_rejected_with_a_message(lib, field, value, message):
    opts = tc.TrackerOptions()
    lib.fairmot_tracker_options_init(ctypes.byref(opts))
    setattr(opts, field, value)
    handle = ctypes.c_void_p(1234)
    assert lib.fairmot_tracker_create(ctypes.byref(opts), ctypes.byref(handle)) == 1
    assert not handle.value
    err = lib.fairmot_last_error().decode()
    assert err.startswith("fairmot_tracker_create: ") and message in err, err


def test_python_options_errors_match(lib):
    # The same values the Python constructor rejects are rejected by the C ABI.
    with pytest.raises(tc.FairmotError, match="track_buffer") as exc:
        tc.Tracker(lib, track_buffer=-3)
    assert exc.value.code == 1
    with pytest.raises(ValueError):
        tracking.JDETracker(track_buffer=-3)


def test_error_message_is_per_thread(lib):
    assert lib.fairmot_tracker_reset(None) == 1
    seen = []
    th = threading.Thread(target=lambda: seen.append(lib.fairmot_last_error()))
    th.start()
    th.join()
    assert seen == [b""]
    assert lib.fairmot_last_error() != b""


def test_two_threads_with_two_trackers_equal_sequential_runs(lib):
    streams = [_stream(seed=21, n_frames=200, n_objects=20), _stream(seed=22, n_frames=200, n_objects=20)]
    options = [{}, {"association": "byte"}]

    def run(k, sink):
        trk = tc.Tracker(lib, **options[k])
        for frame in streams[k]:
            sink.append(trk.update(*frame))

    sequential = [[], []]
    for k in range(2):
        run(k, sequential[k])
    for _ in range(2):
        parallel = [[], []]
        threads = [threading.Thread(target=run, args=(k, parallel[k])) for k in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        for k in range(2):
            assert len(parallel[k]) == len(sequential[k])
            for a, b in zip(parallel[k], sequential[k]):
                for x, y in zip(a, b):
                    np.testing.assert_array_equal(x, y)


# ------------------------------------------------------------------ programs built against the package


def _build_c(tmp_path: Path, source: Path, cflags, libs, name: str, extra=()) -> Path:
    exe = tmp_path / name
    subprocess.run([CC, "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-O2", "-Wall", "-Wextra", "-Werror", *extra,
                    *cflags, str(source), "-o", str(exe), *libs], check=True, capture_output=True, text=True)
    return exe


@needs_cc
def test_c_example_built_against_the_installed_package_equals_jdetracker(tmp_path, dirs):
    frames = _stream(seed=3, n_frames=300, n_objects=15)
    det = tmp_path / "dets.txt"
    _write_text_stream(det, frames)
    lib_dir = dirs["library"]
    exe = _build_c(tmp_path, ROOT / "examples" / "c" / "track_stream.c", [f"-I{dirs['include']}"],
                   [f"-L{lib_dir}", "-lfairmot", f"-Wl,-rpath,{lib_dir}"], "track_stream_c")
    out = subprocess.run([str(exe), str(det)], check=True, capture_output=True, text=True).stdout
    _assert_equal_rows(_parse_rows(out), _reference_rows(frames))
    # options from the command line, as examples/cpp
    out = subprocess.run([str(exe), str(det), "0.5", "10"], check=True, capture_output=True, text=True).stdout
    _assert_equal_rows(_parse_rows(out), _reference_rows(frames, conf_thres=0.5, frame_rate=10.0))
    bad = tmp_path / "bad.txt"
    bad.write_text("1 0 0 10 10\n")
    proc = subprocess.run([str(exe), str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and "expected" in proc.stderr
    nan = tmp_path / "nan.txt"
    nan.write_text("1 0 0 nan 10 0.9 1 0\n")
    proc = subprocess.run([str(exe), str(nan)], capture_output=True, text=True)
    assert proc.returncode == 1 and "box 0 contains NaN or inf" in proc.stderr


@needs_cc
def test_c_example_built_with_pkg_config(tmp_path, dirs):
    pkg_config = shutil.which("pkg-config") or shutil.which("pkgconf")
    if pkg_config is None:
        pytest.skip("pkg-config not found")
    env = dict(os.environ, PKG_CONFIG_PATH=str(dirs["pkgconfig"]))
    flags = subprocess.run([pkg_config, "--cflags", "--libs", "fairmot"], env=env, capture_output=True, text=True,
                           check=True).stdout.split()
    libdir = subprocess.run([pkg_config, "--variable=libdir", "fairmot"], env=env, capture_output=True, text=True,
                            check=True).stdout.strip()
    assert Path(libdir).resolve() == dirs["library"]
    exe = _build_c(tmp_path, ROOT / "examples" / "c" / "track_stream.c", [], [*flags, f"-Wl,-rpath,{libdir}"], "pc")
    frames = _stream(seed=4, n_frames=60, n_objects=8)
    det = tmp_path / "dets.txt"
    _write_text_stream(det, frames)
    out = subprocess.run([str(exe), str(det)], check=True, capture_output=True, text=True).stdout
    _assert_equal_rows(_parse_rows(out), _reference_rows(frames))


def _cmake_build(src: Path, build: Path, *defs: str) -> str:
    """Configures and builds; returns the configure output."""
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    outputs = []
    for cmd in ([CMAKE, "-S", str(src), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release", *gen, *defs],
                [CMAKE, "--build", str(build), "-j", "2"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        outputs.append(proc.stdout)
    return outputs[0]


@pytest.mark.skipif(CMAKE is None or CC is None, reason="cmake or a C compiler not found")
def test_examples_with_find_package_from_the_installed_package(tmp_path, dirs):
    frames = _stream(seed=5, n_frames=200, n_objects=12)
    det = tmp_path / "dets.txt"
    _write_text_stream(det, frames)
    expected = _reference_rows(frames)
    _cmake_build(ROOT / "examples" / "c", tmp_path / "c", f"-Dfairmot_DIR={dirs['cmake']}")
    out = subprocess.run([str(tmp_path / "c" / "track_stream_c"), str(det)], check=True, capture_output=True,
                         text=True).stdout
    _assert_equal_rows(_parse_rows(out), expected)
    cfg = _cmake_build(ROOT / "examples" / "cpp", tmp_path / "cpp", f"-Dfairmot_DIR={dirs['cmake']}")
    assert f"fairmot::tracker from the installed package {dirs['cmake']}" in cfg
    # examples/cpp parses boxes and scores as float64: the reference gets the same decimal values in float64
    out = subprocess.run([str(tmp_path / "cpp" / "track_stream"), str(det)], check=True, capture_output=True,
                         text=True).stdout
    rows = _parse_rows(out)
    dec = np.vectorize(lambda v: float(f"{float(v):.9g}"), otypes=[np.float64])
    f64 = [(dec(b).reshape(-1, 4), dec(s).reshape(-1), e) for b, s, e in frames]
    trk, exp64 = tracking.JDETracker(), []
    for t, f in enumerate(f64, start=1):
        r = trk.update(*f)
        exp64 += [[t, r.ids[k], *r.tlwh[k], r.scores[k]] for k in range(len(r))]
    np.testing.assert_array_equal(rows[:, :7], np.array(exp64))


def test_ctypes_example_program_output(tmp_path):
    frames = _stream(seed=6, n_frames=120, n_objects=10)
    det = tmp_path / "dets.txt"
    _write_text_stream(det, frames)
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "python_ctypes" / "track_ctypes.py"), str(det)],
                         check=True, capture_output=True, text=True).stdout
    _assert_equal_rows(_parse_rows(out), _reference_rows(frames))


# ------------------------------------------------------------------ the C checks, plain and sanitized


def _write_binary_stream(path: Path, frames) -> None:
    dim = frames[0][2].shape[1]
    with path.open("wb") as fh:
        np.array([len(frames), dim], np.int64).tofile(fh)
        for b, s, e in frames:
            np.array([len(s)], np.int64).tofile(fh)
            for a in (b, s, e.reshape(len(s), dim)):
                np.ascontiguousarray(a, dtype=np.float32).tofile(fh)


def _run_capi_check(exe: Path, tmp_path: Path, env=None) -> None:
    frames = _stream(seed=8, n_frames=200, n_objects=15)
    stream = tmp_path / "stream.bin"
    _write_binary_stream(stream, frames)
    proc = subprocess.run([str(exe), str(stream)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "all checks passed" in proc.stderr
    rows = _parse_rows(proc.stdout)
    expected = _reference_rows(frames)
    _assert_equal_rows(rows, expected, cols=7)
    np.testing.assert_array_equal(rows[:, 7], expected[:, 7])  # det_index
    np.testing.assert_array_equal(rows[:, 8], 7)  # class ids carried


@needs_cc
def test_capi_check_program(tmp_path, dirs):
    lib_dir = dirs["library"]
    exe = _build_c(tmp_path, ROOT / "tests" / "capi" / "capi_check.c", [f"-I{dirs['include']}", "-pthread"],
                   [f"-L{lib_dir}", "-lfairmot", f"-Wl,-rpath,{lib_dir}", "-lm"], "capi_check")
    _run_capi_check(exe, tmp_path)


@pytest.mark.skipif(CMAKE is None or CC is None, reason="cmake or a C compiler not found")
def test_capi_check_under_address_and_undefined_behaviour_sanitizers(tmp_path):
    build = tmp_path / "build"
    _cmake_build(ROOT, build, "-DFAIRMOT_SANITIZE=ON", "-DFAIRMOT_BUILD_PYTHON=OFF", "-DFAIRMOT_INSTALL=OFF",
                 "-DCMAKE_BUILD_TYPE=RelWithDebInfo")
    lib_dir = build / "csrc" / "capi"
    san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-g"]
    try:
        exe = _build_c(tmp_path, ROOT / "tests" / "capi" / "capi_check.c",
                       [f"-I{ROOT / 'csrc' / 'capi' / 'include'}", "-pthread", *san],
                       [f"-L{lib_dir}", "-lfairmot", f"-Wl,-rpath,{lib_dir}", "-lm"], "capi_check_san")
    except subprocess.CalledProcessError as exc:  # pragma: no cover - toolchain without sanitizer runtimes
        pytest.skip(f"the C compiler cannot build with sanitizers: {exc.stderr[-500:]}")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    env.pop("LD_PRELOAD", None)
    _run_capi_check(exe, tmp_path, env=env)


@pytest.mark.skipif(CMAKE is None or CC is None, reason="cmake or a C compiler not found")
def test_cmake_install_gives_find_package_and_pkg_config(tmp_path):
    """cmake --install of the core alone (no Python): headers, both libraries, fairmotConfig.cmake, fairmot.pc."""
    prefix = tmp_path / "prefix"
    _cmake_build(ROOT, tmp_path / "build", "-DFAIRMOT_BUILD_PYTHON=OFF", f"-DCMAKE_INSTALL_PREFIX={prefix}")
    subprocess.run([CMAKE, "--install", str(tmp_path / "build")], check=True, capture_output=True)
    libdir = next(d for d in (prefix / "lib", prefix / "lib64") if (d / "libfairmot.so.1").exists())
    for rel in ("include/fairmot/fairmot.h", "include/fairmot/tracker/jde_tracker.hpp"):
        assert (prefix / rel).is_file(), rel
    for rel in ("libfairmot.so", "libfairmot_tracker.a", "cmake/fairmot/fairmotConfig.cmake",
                "cmake/fairmot/fairmotConfigVersion.cmake", "cmake/fairmot/fairmotTargets.cmake",
                "pkgconfig/fairmot.pc"):
        assert (libdir / rel).exists(), rel
    frames = _stream(seed=9, n_frames=150, n_objects=12)
    det = tmp_path / "dets.txt"
    _write_text_stream(det, frames)
    expected = _reference_rows(frames)
    # find_package through CMAKE_PREFIX_PATH, as an installed package is found
    _cmake_build(ROOT / "examples" / "c", tmp_path / "c", f"-DCMAKE_PREFIX_PATH={prefix}")
    out = subprocess.run([str(tmp_path / "c" / "track_stream_c"), str(det)], check=True, capture_output=True,
                         text=True).stdout
    _assert_equal_rows(_parse_rows(out), expected)
    # fairmot::tracker from the same install (examples/cpp reports which one it used)
    cfg = _cmake_build(ROOT / "examples" / "cpp", tmp_path / "cpp", f"-DCMAKE_PREFIX_PATH={prefix}")
    assert f"fairmot::tracker from the installed package {libdir / 'cmake' / 'fairmot'}" in cfg
    # pkg-config from the install
    pkg_config = shutil.which("pkg-config") or shutil.which("pkgconf")
    if pkg_config:
        env = dict(os.environ, PKG_CONFIG_PATH=str(libdir / "pkgconfig"))
        flags = subprocess.run([pkg_config, "--cflags", "--libs", "fairmot"], env=env, capture_output=True,
                               text=True, check=True).stdout.split()
        exe = _build_c(tmp_path, ROOT / "examples" / "c" / "track_stream.c", [],
                       [*flags, f"-Wl,-rpath,{libdir}"], "pc")
        out = subprocess.run([str(exe), str(det)], check=True, capture_output=True, text=True).stdout
        _assert_equal_rows(_parse_rows(out), expected)


# ------------------------------------------------------------------ identity options (issue 15)


def test_ctypes_reid_and_warp_equal_jdetracker_bit_for_bit(lib):
    frames = _stream(seed=12, n_frames=300, n_objects=15)
    rng = np.random.default_rng(0)
    ref = tracking.JDETracker(reid_buffer=200, reid_thres=0.35)
    trk = tc.Tracker(lib, reid_buffer=200, reid_thres=0.35)
    for b, s, e in frames:
        a = np.deg2rad(rng.uniform(-0.3, 0.3))
        A = np.array([[np.cos(a), -np.sin(a), rng.uniform(-3, 3)], [np.sin(a), np.cos(a), rng.uniform(-3, 3)]])
        r, q = trk.update(b, s, e, warp=A), ref.update(b, s, e, warp=A)
        for x, y in zip(r[:4], q):
            np.testing.assert_array_equal(x, y)
    assert ref.gallery_size > 0


def test_first_release_options_size_is_still_accepted(lib):
    opts = tc.TrackerOptions()
    lib.fairmot_tracker_options_init(ctypes.byref(opts))
    assert (opts.reid_buffer, opts.reid_thres) == (0, 0.3)
    opts.struct_size = tc.TrackerOptions.reid_buffer.offset  # a caller compiled before reid_* existed
    opts.reid_buffer = -7  # not read with the old size
    handle = ctypes.c_void_p()
    assert lib.fairmot_tracker_create(ctypes.byref(opts), ctypes.byref(handle)) == 0
    lib.fairmot_tracker_destroy(handle)


def test_bad_warp_is_rejected_and_keeps_state(lib):
    frames = _stream(seed=13, n_frames=60, n_objects=10)
    trk, twin = tc.Tracker(lib), tc.Tracker(lib)
    for b, s, e in frames[:30]:
        trk.update(b, s, e)
        twin.update(b, s, e)
    b, s, e = frames[30]
    with pytest.raises(tc.FairmotError, match="warp"):
        trk.update(b, s, e, warp=np.array([[1.0, 0, 0], [0, 1, np.nan]]))
    assert trk.frame_id == twin.frame_id == 30
    for b, s, e in frames[30:]:
        for x, y in zip(trk.update(b, s, e), twin.update(b, s, e)):
            np.testing.assert_array_equal(x, y)

