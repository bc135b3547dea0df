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


@pytest.mark.parametrize("downscale", [1, 3, 4])
def test_exact_mapping_back_for_any_downscale_and_odd_sizes(downscale):
    """The estimate is mapped back through the resize's own pixel map, also when the frame size is not a
    multiple of the factor (479x357: different x and y scales)."""
    A_big = _reference_affine(0.8, 7.0, -5.0, 360.0, 280.0)
    big = _texture(560, 720)
    warped = cv2.warpAffine(big, A_big, (720, 560), flags=cv2.INTER_LINEAR)
    y0, x0 = 100, 120
    prev, cur = big[y0:y0 + 357, x0:x0 + 479], warped[y0:y0 + 357, x0:x0 + 479]
    o = np.array([x0, y0], dtype=np.float64)
    A_ref = A_big.copy()
    A_ref[:, 2] = A_big[:, :2] @ o + A_big[:, 2] - o
    g = GMC("sparse", downscale=downscale)
    g.apply(cv2.cvtColor(prev, cv2.COLOR_GRAY2BGR))
    A = g.apply(cv2.cvtColor(cur, cv2.COLOR_GRAY2BGR))
    pts = np.array([[0, 0], [478, 0], [0, 356], [478, 356], [239, 178]], dtype=np.float64)
    err = np.abs(pts @ A[:, :2].T + A[:, 2] - (pts @ A_ref[:, :2].T + A_ref[:, 2])).max()
    assert err < 0.5 * max(1, downscale / 2)


def test_tracked_points_stay_accurate_over_a_long_pan():
    """30 frames of a steady pan with a slow rotation: the points tracked on from frame to frame (corners
    re-searched only when too few survive) keep every estimate within half a pixel."""
    big = _texture(900, 1400, seed=3)
    truth_prev = None
    g = GMC("sparse", downscale=2)
    errs = []
    pts = np.array([[0, 0], [639, 0], [0, 359], [639, 359], [320, 180]], dtype=np.float64)
    for k in range(30):
        A_k = _reference_affine(0.05 * k, -8.0 * k, 2.0 * k, 700.0, 450.0)
        frame = cv2.warpAffine(big, A_k, (1400, 900), flags=cv2.INTER_LINEAR)[200:560, 300:940]
        A = g.apply(frame)
        if truth_prev is not None:
            M = np.vstack([A_k, [0, 0, 1]]) @ np.linalg.inv(np.vstack([truth_prev, [0, 0, 1]]))
            o = np.array([300.0, 200.0])
            T = M[:2].copy()
            T[:, 2] = M[:2, :2] @ o + M[:2, 2] - o
            errs.append(np.abs(pts @ A[:, :2].T + A[:, 2] - (pts @ T[:, :2].T + T[:, 2])).max())
        truth_prev = A_k
    assert max(errs) < 0.5, errs
