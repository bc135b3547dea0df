"""Live sources against a real stream server on loopback: Debian's ffmpeg serving MPEG-TS over HTTP
(``ffmpeg -re -f lavfi -i testsrc ... -f mpegts -listen 1 http://127.0.0.1:PORT``), started by the
test. The server goes away and comes back: the source reconnects and frames resume; a slow consumer
gets the newest frame and the rest are counted as dropped; a stream gone for good ends the iteration
after ``give_up_after``; ``fairmot track URL`` stops cleanly on Ctrl-C (SIGINT) with its results written.
Skipped when ffmpeg is not installed."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from fairmot.io.sources import LiveSource, VideoFileSource, open_source

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed (apt-get install ffmpeg)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int, seconds: float, size: str = "160x120", rate: int = 25) -> subprocess.Popen:
    """One ffmpeg HTTP server of ``seconds`` of test pattern for one client, in real time."""
    return subprocess.Popen([FFMPEG, "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                             f"testsrc=size={size}:rate={rate}", "-t", str(seconds), "-c:v", "mpeg2video", "-q:v", "5",
                             "-f", "mpegts", "-listen", "1", f"http://127.0.0.1:{port}/live.ts"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _open(url: str, deadline: float = 10.0, **kw) -> LiveSource:
    """open_source(url) once the server listens (connection refused until then)."""
    end = time.monotonic() + deadline
    while True:
        try:
            return open_source(url, video_size=None, timeout=2.0, **kw)
        except ValueError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=5)


def test_stream_drop_reconnect_resume_and_give_up():
    port = _free_port()
    url = f"http://127.0.0.1:{port}/live.ts"
    servers = [_serve(port, 2.5)]
    restarted = {}

    def restart() -> None:  # the server disappears (its 2.5 s are over) and comes back 1 s later
        servers[0].wait(timeout=20)
        time.sleep(1.0)
        restarted["t"] = time.monotonic()
        servers.append(_serve(port, 2.0))

    try:
        src = _open(url, max_backoff=0.5, give_up_after=2.0)
        assert isinstance(src, LiveSource) and src.live and src.size == (160, 120) and src.frame_count is None
        threading.Thread(target=restart, daemon=True).start()
        times = []
        start = time.monotonic()
        for frame in src:
            assert frame.shape == (120, 160, 3) and frame.dtype == np.uint8
            times.append(time.monotonic())
            time.sleep(0.08)  # a consumer slower than the 25 fps stream
            assert time.monotonic() - start < 25, "the source did not end after the stream was gone for good"
        assert "t" in restarted
        before = [t for t in times if t < restarted["t"]]
        after = [t for t in times if t > restarted["t"] + 0.1]
        assert len(before) >= 10 and len(after) >= 5, (len(before), len(after))  # frames resumed
        assert src.reconnects == 1
        assert src.dropped > 0  # the newest frame was taken, the others dropped
        assert times[-1] - restarted["t"] < 4.0  # ended with the second server, after give_up_after
    finally:
        for p in servers:
            _stop(p)


def test_close_stops_the_reader_and_options_are_checked():
    port = _free_port()
    server = _serve(port, 20.0)
    try:
        src = _open(f"http://127.0.0.1:{port}/live.ts")
        it = iter(src)
        next(it)
        t0 = time.monotonic()
        src.close()
        assert time.monotonic() - t0 < 4.0
        assert not any(t.name == "fairmot-live" and t.is_alive() for t in threading.enumerate())
    finally:
        _stop(server)
    with pytest.raises(ValueError, match="give_up_after"):
        LiveSource("http://127.0.0.1:9/x", give_up_after=0)
    with pytest.raises(ValueError, match="max_backoff"):
        LiveSource("http://127.0.0.1:9/x", max_backoff=float("nan"))
    with pytest.raises(TypeError, match="live"):
        open_source("http://127.0.0.1:9/x", live="yes")
    with pytest.raises(ValueError, match="cannot open http://127.0.0.1"):
        open_source(f"http://127.0.0.1:{_free_port()}/none.ts", timeout=1.0)


def test_live_false_reads_every_frame_of_a_served_file(tmp_path):
    port = _free_port()
    server = subprocess.Popen([FFMPEG, "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                               "testsrc=size=160x120:rate=25", "-t", "1", "-c:v", "mpeg2video", "-f", "mpegts",
                               "-listen", "1", f"http://127.0.0.1:{port}/f.ts"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 10
        while True:
            try:
                src = open_source(f"http://127.0.0.1:{port}/f.ts", video_size=None, live=False)
                break
            except ValueError:
                assert time.monotonic() < end
                time.sleep(0.1)
        assert isinstance(src, VideoFileSource)
    finally:
        _stop(server)


def test_track_command_on_a_stream_stops_cleanly_on_ctrl_c(tmp_path):
    pytest.importorskip("torch")
    from fairmot.weights import default_weights

    if default_weights() is None:
        pytest.skip("no built-in model in this build")
    port = _free_port()
    server = _serve(port, 60.0, size="320x192")
    txt = tmp_path / "r.txt"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    try:
        proc = subprocess.Popen([sys.executable, "-m", "fairmot", "track", f"http://127.0.0.1:{port}/live.ts",
                                 "--device", "cpu", "--native-size", "--output-txt", str(txt), "--count-line",
                                 "0,100,320,100", "--counts-csv", str(tmp_path / "c.csv")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until some frames are counted
            if (tmp_path / "c.csv").exists() and len((tmp_path / "c.csv").read_text().splitlines()) > 5:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 130, err[-2000:]
        assert "interrupted after" in err
        frames = int(next(line for line in out.splitlines() if line.startswith("frames")).split()[1])
        assert frames >= 5 and txt.exists()
        assert "dropped" in out
        assert len((tmp_path / "c.csv").read_text().splitlines()) == frames + 1
    finally:
        if proc.poll() is None:
            proc.kill()
        _stop(server)


def test_live_source_among_many_sources_runs_in_the_batch_and_needs_batch(tmp_path):
    """A stream beside a file in one ``--batch`` run: both tracked, the stream's drops reported, the run ends when
    the stream has given no frame for --give-up-after; without --batch a never-ending source is refused."""
    pytest.importorskip("torch")
    from fairmot.data.synthetic import SceneConfig, write_sequence
    from fairmot.weights import default_weights

    if default_weights() is None:
        pytest.skip("no built-in model in this build")
    seq = tmp_path / "seq"
    write_sequence(seq, SceneConfig(width=320, height=192, n_frames=4, fps=25), seed=7)
    env = dict(os.environ, PYTHONUNBUFFERED="1")

    port = _free_port()
    server = _serve(port, 60.0, size="320x192")
    try:
        _open(f"http://127.0.0.1:{port}/live.ts").close()  # waits until it listens (one client: serve again)
    finally:
        _stop(server)
    server = _serve(port, 60.0, size="320x192")
    try:
        time.sleep(1.0)
        refused = subprocess.run([sys.executable, "-m", "fairmot", "track", f"http://127.0.0.1:{port}/live.ts",
                                  str(seq), "--device", "cpu", "-q", "--output-dir", str(tmp_path / "x")],
                                 capture_output=True, text=True, env=env, timeout=120)
        assert refused.returncode == 1 and "--batch" in refused.stderr, refused.stderr[-2000:]
    finally:
        _stop(server)

    server = _serve(port, 3.0, size="320x192")
    out_dir = tmp_path / "out"
    try:
        time.sleep(1.0)
        run = subprocess.run([sys.executable, "-m", "fairmot", "track", f"http://127.0.0.1:{port}/live.ts",
                              str(seq), "--batch", "--max-batch", "1", "--device", "cpu", "--native-size", "-q",
                              "--output-dir", str(out_dir), "--give-up-after", "2", "--reconnect-max-wait", "0.5",
                              "--count-line", "0,96,320,96"],
                             capture_output=True, text=True, env=env, timeout=180)
    finally:
        _stop(server)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "001_seq: 4 frames" in run.stdout
    assert "000_live: dropped" in run.stdout
    live_frames = int(run.stdout.split("000_live: ")[1].split(" frames")[0])
    assert live_frames >= 1
    assert len((out_dir / "000_live_counts.csv").read_text().splitlines()) == live_frames + 1
    assert len((out_dir / "001_seq_counts.csv").read_text().splitlines()) == 4 + 1
