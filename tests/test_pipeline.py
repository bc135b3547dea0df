"""Pre- and post-processing stages: letterbox and the mapping back to frame pixels."""
from __future__ import annotations

import numpy as np
import pytest

import cv2  # noqa: E402,F401
from fairmot.detection.postprocess import affine_to_frame, map_to_frame  # noqa: E402
from fairmot.detection.preprocess import letterbox, to_input_tensor, to_input_tensor_on  # noqa: E402


@pytest.mark.parametrize("w0,h0,ratio,left,right,top,bottom", [
    (1920, 1080, 0.562963, 3, 4, 0, 0),      # docs/official_behaviour.md §2 example
    (640, 480, 1.266667, 138, 139, 0, 0),    # docs/official_behaviour.md §2 example
    (1088, 608, 1.0, 0, 0, 0, 0),
    (800, 1200, 0.506667, 341, 342, 0, 0),   # portrait
    (2000, 500, 0.544, 0, 0, 168, 168),      # very wide
])
def test_letterbox_sizes_and_padding_follow_the_official_rules(w0, h0, ratio, left, right, top, bottom):
    img = np.full((h0, w0, 3), 7, np.uint8)
    canvas, r, dw, dh = letterbox(img)
    assert canvas.shape == (608, 1088, 3) and canvas.dtype == np.uint8
    assert r == pytest.approx(ratio, abs=1e-6)
    assert dw == (1088 - round(w0 * r)) / 2 and dh == (608 - round(h0 * r)) / 2
    row, col = canvas[304], canvas[:, 544]
    if left:
        assert (row[:left] == 128).all() and (row[left] == 7).all()
    if right:
        assert (row[1088 - right:] == 128).all() and (row[1088 - right - 1] == 7).all()
    if top:
        assert (col[:top] == 128).all() and (col[top] == 7).all()
    if bottom:
        assert (col[608 - bottom:] == 128).all() and (col[608 - bottom - 1] == 7).all()


def test_letterbox_rejects_bad_images():
    with pytest.raises(ValueError):
        letterbox(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        letterbox(np.zeros((0, 10, 3), np.uint8))


def test_input_tensor_is_rgb_in_unit_range_without_normalisation():
    canvas = np.zeros((8, 16, 3), np.uint8)
    canvas[..., 0] = 255  # blue in BGR
    t = to_input_tensor(canvas)
    assert tuple(t.shape) == (1, 3, 8, 16) and str(t.dtype) == "torch.float32"
    assert float(t[0, 2].max()) == 1.0 and float(t[0, 0].max()) == 0.0


def test_device_side_input_tensor_equals_the_numpy_one_bit_for_bit():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    canvas = rng.integers(0, 256, (32, 64, 3), dtype=np.uint8)
    canvas[0, :3] = [[0, 0, 0], [255, 255, 255], [1, 128, 254]]
    ref = to_input_tensor(canvas)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        t = to_input_tensor_on(canvas, device)
        assert t.device.type == device and t.dtype == torch.float32 and tuple(t.shape) == (1, 3, 32, 64)
        assert t.is_contiguous(memory_format=torch.channels_last)
        assert torch.equal(t.cpu(), ref)  # every byte through NumPy's float32(x) / 255
    non_contiguous = np.ascontiguousarray(np.concatenate([canvas, canvas], axis=1))[:, ::2]
    assert torch.equal(to_input_tensor_on(non_contiguous, "cpu"), to_input_tensor(non_contiguous))
    with pytest.raises(TypeError, match="uint8"):
        to_input_tensor_on(canvas.astype(np.float32), "cpu")
    with pytest.raises(ValueError, match="canvas"):
        to_input_tensor_on(canvas[..., 0], "cpu")


def test_affine_matches_the_spec_example_for_1920x1080():
    t = affine_to_frame((1920, 1080))
    assert t[0, 0] == pytest.approx(7.10526320513557, abs=1e-9)
    assert t[1, 1] == pytest.approx(7.10526320513557, abs=1e-9)
    assert t[1, 2] == pytest.approx(-3.59e-6, abs=1e-8)


@pytest.mark.parametrize("w0,h0", [(1920, 1080), (640, 480), (1280, 720), (800, 1200), (2000, 500), (1088, 608)])
@pytest.mark.parametrize("input_wh", [(1088, 608), (864, 480), (576, 320)])
def test_boxes_through_letterbox_and_back_land_where_they_started(w0, h0, input_wh):
    rng = np.random.default_rng(w0 + h0)
    x1 = rng.uniform(0, w0 * 0.8, 20)
    y1 = rng.uniform(0, h0 * 0.8, 20)
    boxes = np.stack([x1, y1, x1 + rng.uniform(5, w0 * 0.2, 20), y1 + rng.uniform(5, h0 * 0.2, 20)], axis=1)
    img = np.zeros((h0, w0, 3), np.uint8)
    _, ratio, dw, dh = letterbox(img, *input_wh)
    # Frame -> letterboxed canvas -> output map (stride 4), as the network sees the boxes.
    canvas = boxes * ratio + np.array([dw, dh, dw, dh])
    out_map = (canvas / 4).astype(np.float32)
    back = map_to_frame(out_map, (w0, h0), input_wh)
    assert back.dtype == np.float32
    # The only error is the rounding of the resized size (< 1 canvas pixel).
    np.testing.assert_allclose(back, boxes, atol=1.0 / ratio + 1e-3)


def test_map_to_frame_rejects_bad_shapes():
    with pytest.raises(ValueError):
        map_to_frame(np.zeros((3, 3)), (100, 100))
    with pytest.raises(ValueError):
        map_to_frame(np.zeros((3, 4)), (0, 100))
