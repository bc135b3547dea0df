"""Training losses (docs/official_behaviour.md §5.4) against independent float64 references written here."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fairmot.train.losses import MotLoss, clamped_sigmoid, focal_loss, gather_feat, reg_l1_loss  # noqa: E402


# ----------------------------------------------------------------------------------------- references

def ref_focal(pred: np.ndarray, gt: np.ndarray) -> float:
    """CornerNet focal loss, docs/official_behaviour.md §5.4, as a plain loop over every element."""
    pos_sum, neg_sum, num_pos = 0.0, 0.0, 0
    for p, g in zip(pred.astype(np.float64).ravel(), gt.astype(np.float64).ravel()):
        if g == 1.0:
            pos_sum += math.log(p) * (1.0 - p) ** 2
            num_pos += 1
        else:
            neg_sum += math.log(1.0 - p) * p ** 2 * (1.0 - g) ** 4
    if num_pos == 0:
        return -neg_sum
    return -(pos_sum + neg_sum) / num_pos


def ref_gather(output: np.ndarray, ind: np.ndarray) -> np.ndarray:
    b, c, h, w = output.shape
    k = ind.shape[1]
    out = np.zeros((b, k, c), np.float64)
    for i in range(b):
        for j in range(k):
            y, x = divmod(int(ind[i, j]), w)
            for ch in range(c):
                out[i, j, ch] = output[i, ch, y, x]
    return out


def ref_reg_l1(output: np.ndarray, mask: np.ndarray, ind: np.ndarray, target: np.ndarray) -> float:
    pred = ref_gather(output, ind)
    num, den = 0.0, 0.0
    for i in range(pred.shape[0]):
        for j in range(pred.shape[1]):
            m = float(mask[i, j])
            for ch in range(pred.shape[2]):
                num += abs(pred[i, j, ch] * m - float(target[i, j, ch]) * m)
                den += m
    return num / (den + 1e-4)


def ref_sigmoid_clamped(x: np.ndarray) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    return np.clip(p, 1e-4, 1 - 1e-4)


def ref_id_loss(id_map: np.ndarray, mask: np.ndarray, ind: np.ndarray, ids: np.ndarray, weight: np.ndarray,
                bias: np.ndarray, n_id: int) -> float:
    """Cross entropy of Linear(emb_scale * normalize(feat)) over objects with mask > 0 and id >= 0."""
    scale = math.sqrt(2.0) * math.log(n_id - 1)
    feats = ref_gather(id_map, ind)
    losses = []
    for i in range(feats.shape[0]):
        for j in range(feats.shape[1]):
            if mask[i, j] <= 0 or ids[i, j] < 0:
                continue
            f = feats[i, j]
            emb = scale * f / max(np.linalg.norm(f), 1e-12)
            logits = weight.astype(np.float64) @ emb + bias.astype(np.float64)
            mx = logits.max()
            lse = mx + math.log(np.exp(logits - mx).sum())
            losses.append(lse - logits[int(ids[i, j])])
    return float(np.mean(losses)) if losses else 0.0


# ----------------------------------------------------------------------------------------- fixtures

def _targets(rng: np.random.Generator, b=2, h=6, w=8, k=5, n_obj=(3, 2), n_id=7, wh_dims=4):
    """A random batch of network outputs and targets (objects in the first n_obj[i] slots)."""
    hm_gt = rng.uniform(0, 0.9, (b, 1, h, w)) ** 3
    mask = np.zeros((b, k), np.uint8)
    ind = np.zeros((b, k), np.int64)
    ids = np.zeros((b, k), np.int64)
    for i in range(b):
        cells = rng.choice(h * w, n_obj[i], replace=False)
        mask[i, :n_obj[i]] = 1
        ind[i, :n_obj[i]] = cells
        ids[i, :n_obj[i]] = rng.integers(0, n_id, n_obj[i])
        for c in cells:
            y, x = divmod(int(c), w)
            hm_gt[i, 0, y, x] = 1.0
        ind[i, n_obj[i]:] = rng.integers(0, h * w, k - n_obj[i])  # unused slots point anywhere
    outputs = {
        "hm": rng.normal(0, 2, (b, 1, h, w)),
        "wh": rng.normal(5, 3, (b, wh_dims, h, w)),
        "reg": rng.uniform(0, 1, (b, 2, h, w)),
        "id": rng.normal(0, 1, (b, 16, h, w)),
    }
    batch = {
        "hm": hm_gt.astype(np.float32), "reg_mask": mask, "ind": ind, "ids": ids,
        "wh": rng.uniform(1, 10, (b, k, wh_dims)).astype(np.float32),
        "reg": rng.uniform(0, 1, (b, k, 2)).astype(np.float32),
    }
    return outputs, batch


def _torch(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        t = torch.from_numpy(np.ascontiguousarray(v))
        out[k] = t.float() if t.dtype == torch.float64 else t
    return out


# ----------------------------------------------------------------------------------------- clamped sigmoid

def test_clamped_sigmoid_matches_reference_and_clamps_extremes():
    x = torch.tensor([-100.0, -20.0, -3.0, 0.0, 0.5, 3.0, 20.0, 100.0], dtype=torch.float64)
    got = clamped_sigmoid(x).numpy()
    np.testing.assert_allclose(got, ref_sigmoid_clamped(x.numpy()), rtol=1e-12, atol=0)
    assert got.min() == pytest.approx(1e-4) and got.max() == pytest.approx(1 - 1e-4)


# ----------------------------------------------------------------------------------------- focal loss

def test_focal_loss_with_positives_matches_reference():
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 0.95, (2, 1, 5, 7)) ** 2
    gt[0, 0, 1, 2] = gt[1, 0, 3, 4] = gt[1, 0, 0, 0] = 1.0
    pred = rng.uniform(0.01, 0.99, gt.shape)
    got = focal_loss(torch.from_numpy(pred), torch.from_numpy(gt)).item()
    assert got == pytest.approx(ref_focal(pred, gt), rel=1e-10)


def test_focal_loss_without_positives_is_minus_negative_sum():
    rng = np.random.default_rng(1)
    gt = rng.uniform(0, 0.9, (1, 1, 4, 4))
    pred = rng.uniform(0.01, 0.99, gt.shape)
    expected = -sum(math.log(1 - p) * p ** 2 * (1 - g) ** 4 for p, g in zip(pred.ravel(), gt.ravel()))
    got = focal_loss(torch.from_numpy(pred), torch.from_numpy(gt)).item()
    assert got == pytest.approx(expected, rel=1e-10)
    assert got == pytest.approx(ref_focal(pred, gt), rel=1e-10)


def test_focal_loss_positive_term_and_negative_weighting():
    # a single positive predicted at p: -(log p (1-p)^2) / 1
    p = 0.3
    got = focal_loss(torch.tensor([[p]], dtype=torch.float64), torch.tensor([[1.0]], dtype=torch.float64)).item()
    assert got == pytest.approx(-math.log(p) * (1 - p) ** 2, rel=1e-12)
    # a negative right next to a centre (gt 0.9) is penalised (1-0.9)^4 = 1e-4 times less than a far one
    near = focal_loss(torch.tensor([0.6], dtype=torch.float64), torch.tensor([0.9], dtype=torch.float64)).item()
    far = focal_loss(torch.tensor([0.6], dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64)).item()
    assert near == pytest.approx(far * 1e-4, rel=1e-9)


def test_focal_loss_is_finite_for_saturated_logits_after_clamping():
    logits = torch.tensor([[-80.0, 80.0], [80.0, -80.0]])
    gt = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    loss = focal_loss(clamped_sigmoid(logits), gt)
    assert torch.isfinite(loss)
    p = ref_sigmoid_clamped(logits.numpy())
    assert loss.item() == pytest.approx(ref_focal(p, gt.numpy()), rel=1e-5)


def test_focal_loss_grows_when_positives_are_missed():
    gt = torch.zeros(1, 1, 3, 3)
    gt[0, 0, 1, 1] = 1
    good = torch.full((1, 1, 3, 3), 0.01)
    good[0, 0, 1, 1] = 0.95
    bad = good.clone()
    bad[0, 0, 1, 1] = 0.05
    assert focal_loss(bad, gt) > focal_loss(good, gt) > 0


# ----------------------------------------------------------------------------------------- gather / RegL1

def test_gather_feat_matches_loop_reference():
    rng = np.random.default_rng(2)
    out = rng.normal(size=(3, 4, 5, 6))
    ind = rng.integers(0, 30, (3, 7))
    got = gather_feat(torch.from_numpy(out), torch.from_numpy(ind)).numpy()
    assert got.shape == (3, 7, 4)
    np.testing.assert_array_equal(got, ref_gather(out, ind))


def test_gather_feat_accepts_int32_indices():
    out = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)
    ind = torch.tensor([[3, 0], [1, 2]], dtype=torch.int32)
    np.testing.assert_array_equal(gather_feat(out, ind).numpy(), ref_gather(out.numpy(), ind.numpy()))


def test_reg_l1_loss_matches_reference_with_objects_times_channels_denominator():
    rng = np.random.default_rng(3)
    out = rng.normal(size=(2, 4, 5, 6))
    ind = rng.integers(0, 30, (2, 6))
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]], np.uint8)
    target = rng.normal(size=(2, 6, 4))
    got = reg_l1_loss(torch.from_numpy(out), torch.from_numpy(mask), torch.from_numpy(ind),
                      torch.from_numpy(target)).item()
    assert got == pytest.approx(ref_reg_l1(out, mask, ind, target), rel=1e-10)
    # explicit: 4 objects x 4 channels = 16 masked elements
    pred = ref_gather(out, ind)
    total = sum(np.abs(pred[i, j] - target[i, j]).sum() for i, j in [(0, 0), (0, 1), (0, 2), (1, 0)])
    assert got == pytest.approx(total / (16 + 1e-4), rel=1e-10)


def test_reg_l1_loss_ignores_unmasked_slots_and_is_zero_without_objects():
    rng = np.random.default_rng(4)
    out = torch.from_numpy(rng.normal(size=(1, 2, 3, 3)))
    ind = torch.tensor([[4, 5]])
    target = torch.from_numpy(rng.normal(size=(1, 2, 2)))
    mask = torch.tensor([[1, 0]], dtype=torch.uint8)
    a = reg_l1_loss(out, mask, ind, target)
    target2 = target.clone()
    target2[0, 1] += 1000.0  # an unmasked slot's target does not matter
    assert reg_l1_loss(out, mask, ind, target2).item() == pytest.approx(a.item(), rel=1e-12)
    none = reg_l1_loss(out, torch.zeros(1, 2, dtype=torch.uint8), ind, target)
    assert none.item() == 0.0


# ----------------------------------------------------------------------------------------- MotLoss

def _reference_terms(outputs: dict, batch: dict, loss: MotLoss, n_id: int) -> dict:
    p = ref_sigmoid_clamped(outputs["hm"])
    return {
        "hm_loss": ref_focal(p, batch["hm"]),
        "wh_loss": ref_reg_l1(outputs["wh"], batch["reg_mask"], batch["ind"], batch["wh"]),
        "off_loss": ref_reg_l1(outputs["reg"], batch["reg_mask"], batch["ind"], batch["reg"]),
        "id_loss": ref_id_loss(outputs["id"].astype(np.float32), batch["reg_mask"], batch["ind"], batch["ids"],
                               loss.classifier.weight.detach().numpy(), loss.classifier.bias.detach().numpy(),
                               n_id),
    }


def test_motloss_uncertainty_matches_reference():
    rng = np.random.default_rng(5)
    n_id = 9
    outputs, batch = _targets(rng, n_id=n_id)
    batch["ids"][0, 1] = -1  # an object without identity: ignored by the id term only
    torch.manual_seed(0)
    loss_fn = MotLoss(n_id, emb_dim=16)
    loss, stats = loss_fn(_torch(outputs), _torch(batch))
    ref = _reference_terms(outputs, batch, loss_fn, n_id)
    for k, v in ref.items():
        assert stats[k].item() == pytest.approx(v, rel=2e-5), k
    det = ref["hm_loss"] + 0.1 * ref["wh_loss"] + 1.0 * ref["off_loss"]
    s_det, s_id = -1.85, -1.05
    expected = 0.5 * (math.exp(-s_det) * det + math.exp(-s_id) * ref["id_loss"] + s_det + s_id)
    assert loss.dim() == 0
    assert loss.item() == pytest.approx(expected, rel=2e-5)
    assert stats["loss"].item() == pytest.approx(expected, rel=2e-5)


def test_motloss_initial_uncertainty_parameters_and_emb_scale():
    loss_fn = MotLoss(100, emb_dim=8)
    assert loss_fn.s_det.item() == pytest.approx(-1.85)
    assert loss_fn.s_id.item() == pytest.approx(-1.05)
    assert loss_fn.emb_scale == pytest.approx(math.sqrt(2) * math.log(99))
    assert tuple(loss_fn.classifier.weight.shape) == (100, 8)
    assert loss_fn.classifier.bias is not None
    # tiny identity sets still get a positive scale (documented deviation)
    assert MotLoss(1, emb_dim=4).emb_scale > 0
    assert MotLoss(2, emb_dim=4).emb_scale > 0


def test_motloss_fix_is_det_plus_tenth_of_id():
    rng = np.random.default_rng(6)
    n_id = 5
    outputs, batch = _targets(rng, n_id=n_id)
    torch.manual_seed(0)
    loss_fn = MotLoss(n_id, emb_dim=16, multi_loss="fix")
    loss, stats = loss_fn(_torch(outputs), _torch(batch))
    ref = _reference_terms(outputs, batch, loss_fn, n_id)
    det = ref["hm_loss"] + 0.1 * ref["wh_loss"] + ref["off_loss"]
    assert loss.item() == pytest.approx(det + 0.1 * ref["id_loss"], rel=2e-5)


def test_motloss_custom_weights_and_no_offset():
    rng = np.random.default_rng(7)
    n_id = 5
    outputs, batch = _targets(rng, n_id=n_id, wh_dims=2)
    torch.manual_seed(0)
    loss_fn = MotLoss(n_id, emb_dim=16, hm_weight=2.0, wh_weight=0.5, off_weight=1.0, multi_loss="fix",
                      reg_offset=False)
    loss, stats = loss_fn(_torch(outputs), _torch(batch))
    ref = _reference_terms(outputs, batch, loss_fn, n_id)
    assert stats["off_loss"].item() == 0.0
    assert stats["wh_loss"].item() == pytest.approx(ref["wh_loss"], rel=2e-5)
    assert loss.item() == pytest.approx(2.0 * ref["hm_loss"] + 0.5 * ref["wh_loss"] + 0.1 * ref["id_loss"], rel=2e-5)
    zero_wh = MotLoss(n_id, emb_dim=16, wh_weight=0.0)
    _, st = zero_wh(_torch(outputs), _torch(batch))
    assert st["wh_loss"].item() == 0.0


def test_motloss_id_loss_ignores_unmasked_slots():
    rng = np.random.default_rng(8)
    n_id = 6
    outputs, batch = _targets(rng, n_id=n_id)
    torch.manual_seed(0)
    loss_fn = MotLoss(n_id, emb_dim=16)
    _, a = loss_fn(_torch(outputs), _torch(batch))
    batch2 = {k: v.copy() for k, v in batch.items()}
    batch2["ids"][:, -1] = 3  # slots with reg_mask 0
    batch2["ids"][1, 2:] = -1
    _, b = loss_fn(_torch(outputs), _torch(batch2))
    assert a["id_loss"].item() == pytest.approx(b["id_loss"].item(), rel=1e-7)


def test_motloss_all_ids_ignored_gives_finite_loss_and_zero_id_loss():
    rng = np.random.default_rng(9)
    outputs, batch = _targets(rng, n_id=4)
    batch["ids"][:] = -1
    loss_fn = MotLoss(4, emb_dim=16)
    out_t = _torch(outputs)
    out_t["id"].requires_grad_(True)
    loss, stats = loss_fn(out_t, _torch(batch))
    assert torch.isfinite(loss)
    assert stats["id_loss"].item() == 0.0
    det = stats["hm_loss"].item() + 0.1 * stats["wh_loss"].item() + stats["off_loss"].item()
    assert loss.item() == pytest.approx(0.5 * (math.exp(1.85) * det + (-1.85 - 1.05)), rel=2e-5)
    loss.backward()
    # every parameter is still part of the graph (DDP needs it), with zero gradient
    assert loss_fn.classifier.weight.grad is not None
    assert float(loss_fn.classifier.weight.grad.abs().sum()) == 0.0
    assert out_t["id"].grad is not None


def test_motloss_batch_without_objects_is_finite():
    rng = np.random.default_rng(10)
    outputs, batch = _targets(rng, n_id=4)
    batch["reg_mask"][:] = 0
    batch["hm"] = np.minimum(batch["hm"], 0.5).astype(np.float32)  # no positives
    loss, stats = MotLoss(4, emb_dim=16)(_torch(outputs), _torch(batch))
    assert torch.isfinite(loss)
    assert stats["id_loss"].item() == 0.0 and stats["wh_loss"].item() == 0.0
    assert stats["hm_loss"].item() == pytest.approx(ref_focal(ref_sigmoid_clamped(outputs["hm"]), batch["hm"]),
                                                     rel=2e-5)


def test_motloss_gradients_reach_uncertainty_scalars_classifier_and_outputs():
    rng = np.random.default_rng(11)
    outputs, batch = _targets(rng, n_id=5)
    loss_fn = MotLoss(5, emb_dim=16)
    out_t = {k: v.requires_grad_(True) for k, v in _torch(outputs).items()}
    loss, stats = loss_fn(out_t, _torch(batch))
    loss.backward()
    det = stats["hm_loss"].item() + 0.1 * stats["wh_loss"].item() + stats["off_loss"].item()
    idl = stats["id_loss"].item()
    # d/ds = 0.5 (1 - e^-s term)
    assert loss_fn.s_det.grad.item() == pytest.approx(0.5 * (1 - math.exp(1.85) * det), rel=1e-4)
    assert loss_fn.s_id.grad.item() == pytest.approx(0.5 * (1 - math.exp(1.05) * idl), rel=1e-4)
    assert float(loss_fn.classifier.weight.grad.abs().sum()) > 0
    assert float(loss_fn.classifier.bias.grad.abs().sum()) > 0
    for k in ("hm", "wh", "reg", "id"):
        assert out_t[k].grad is not None and float(out_t[k].grad.abs().sum()) > 0, k


def test_motloss_fix_mode_leaves_uncertainty_scalars_without_gradient():
    rng = np.random.default_rng(12)
    outputs, batch = _targets(rng, n_id=5)
    loss_fn = MotLoss(5, emb_dim=16, multi_loss="fix")
    loss, _ = loss_fn(_torch(outputs), _torch(batch))
    loss.backward()
    assert loss_fn.s_det.grad is None and loss_fn.s_id.grad is None
    assert float(loss_fn.classifier.weight.grad.abs().sum()) > 0


@pytest.mark.parametrize("kwargs", [
    {"nID": 0}, {"nID": -3}, {"nID": 2.5}, {"nID": 5, "multi_loss": "sum"}, {"nID": 5, "multi_loss": ""},
])
def test_motloss_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        MotLoss(**kwargs)
