"""Camera-motion estimation (fairmot.tracking.gmc) recovers known synthetic motions of a textured image."""
import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from fairmot.tracking.gmc import GMC  # noqa: E402  (after the OpenCV skip)


def _texture(h=360, w=480, seed=0):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, size=(h // 8, w // 8), dtype=np.uint8)
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC)
    return cv2.GaussianBlur(img, (5, 5), 1.0)


def _reference_affine(angle_deg, tx, ty, cx, cy):
    """float64 similarity about (cx, cy) then translation, written independently of OpenCV."""
    t = np.deg2rad(angle_deg)
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    c = np.array([cx, cy])
    b = c - R @ c + np.array([tx, ty])
    return np.hstack([R, b[:, None]])


_BIG_TEXTURE = _texture(560, 720)


def _crop_pair(A, big=_BIG_TEXTURE):
    """Warp a big texture by A, then take the same centre crop of both (no border effects)."""
    warped = cv2.warpAffine(big, A, (big.shape[1], big.shape[0]), flags=cv2.INTER_LINEAR)
    y0, x0 = 100, 120
    return big[y0:y0 + 360, x0:x0 + 480], warped[y0:y0 + 360, x0:x0 + 480], (x0, y0)


@pytest.mark.parametrize("method,kw", [("sparse", {}), ("ecc", {}), ("ecc", {"ecc_motion": "affine"})])
@pytest.mark.parametrize("angle,tx,ty", [(0.0, 6.0, -4.0), (1.5, 3.0, 2.0)])
def test_recovers_known_motion(method, kw, angle, tx, ty):
    A_big = _reference_affine(angle, tx, ty, 360.0, 280.0)
    prev, cur, (x0, y0) = _crop_pair(A_big)
    # same motion in crop coordinates: p_crop = p_big - o  =>  A_crop = [R | R o + b - o]
    o = np.array([x0, y0], dtype=np.float64)
    A_ref = A_big.copy()
    A_ref[:, 2] = A_big[:, :2] @ o + A_big[:, 2] - o
    g = GMC(method, downscale=2, **kw)
    np.testing.assert_array_equal(g.apply(prev), np.eye(2, 3))
    A = g.apply(cur)
    assert A.shape == (2, 3) and A.dtype == np.float64
    np.testing.assert_allclose(A[:, :2], A_ref[:, :2], atol=5e-3)
    # compare where the motion sends points inside the frame (translation alone is sensitive to the centre)
    pts = np.array([[0, 0], [479, 0], [0, 359], [479, 359], [240, 180]], dtype=np.float64)
    got = pts @ A[:, :2].T + A[:, 2]
    ref = pts @ A_ref[:, :2].T + A_ref[:, 2]
    assert np.abs(got - ref).max() < 1.0


def test_none_is_identity_and_static_scene():
    img = _texture()
    np.testing.assert_array_equal(GMC("none").apply(img), np.eye(2, 3))
    g = GMC("sparse")
    g.apply(img)
    np.testing.assert_allclose(g.apply(img), np.eye(2, 3), atol=1e-3)
    bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    g2 = GMC("ecc")
    g2.apply(bgr)
    np.testing.assert_allclose(g2.apply(bgr), np.eye(2, 3), atol=1e-3)


def test_flat_frame_falls_back_to_identity():
    flat = np.full((120, 160), 128, np.uint8)
    for m in ("sparse", "ecc"):
        g = GMC(m)
        g.apply(flat)
        np.testing.assert_array_equal(g.apply(flat), np.eye(2, 3))


def test_bad_input():
    with pytest.raises(ValueError, match="method"):
        GMC("orb")
    with pytest.raises(ValueError, match="downscale"):
        GMC("sparse", downscale=0)
    with pytest.raises(ValueError, match="ecc_motion"):
        GMC("ecc", ecc_motion="homography")
    g = GMC("sparse")
    with pytest.raises(TypeError, match="numpy"):
        g.apply([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="uint8"):
        g.apply(np.zeros((64, 64), np.float32))
    with pytest.raises(ValueError, match="HxW"):
        g.apply(np.zeros((64, 64, 4), np.uint8))
    g.apply(_texture())
    with pytest.raises(ValueError, match="size changed"):
        g.apply(_texture(200, 200))
