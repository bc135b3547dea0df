// The FairMOT association step, following docs/official_behaviour.md §4.4 step by step.
#include "fairmot/tracker/jde_tracker.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "fairmot/tracker/distances.hpp"
#include "fairmot/tracker/kalman_filter.hpp"
#include "fairmot/tracker/lapjv.hpp"
#include "fairmot/tracker/limits.hpp"
#include "fairmot/tracker/warp.hpp"
#include "vector_math.hpp"

namespace fairmot {
namespace {

constexpr double kByteLowIouThresh = 0.4;   // byte mode stage 3
constexpr double kDuplicateDist = 0.15;     // duplicate removal (IoU > 0.85)
constexpr float kSmoothAlpha = 0.9f;
// The official weight of the new feature is the Python float 1 - 0.9
// (0.09999999999999998) applied to a float32 array, i.e. float32(0.1); the
// float32 difference 1.0f - 0.9f would be 0.100000024 instead.
constexpr float kSmoothBeta = 0.1f;

using detail::normalise;

struct Detection {
  int64_t index;  // row of the input batch
  double tlwh[4], tlbr[4], xyah[4];
  double score;
  int64_t cls;        // class id (0 without class ids)
  const float* feat;  // normalised embedding (owned by the frame buffer)
};

struct Track {
  int64_t key = 0;        // unique per instance; plays the official track_id's role in list operations
  int64_t output_id = 0;  // 0 until first output
  TrackState state = TrackState::New;
  bool is_activated = false;
  bool in_removed_history = false;
  int64_t start_frame = 0;
  int64_t frame_id = 0;
  double mean[8];
  double cov[64];
  double score = 0.0;
  int64_t det_index = -1;
  int64_t cls = 0;  // the class of the detection that started the track
  std::vector<float> smooth_feat;
  uint64_t stamp = 0;

  void tlwh(double* out) const {
    const double w = mean[2] * mean[3], h = mean[3];
    out[0] = mean[0] - w / 2;
    out[1] = mean[1] - h / 2;
    out[2] = w;
    out[3] = h;
  }
  void tlbr(double* out) const {
    tlwh(out);
    out[2] += out[0];
    out[3] += out[1];
  }

  void update_features(const float* feat, int64_t d) {
    std::vector<float> f(feat, feat + d);
    normalise(f.data(), d);
    for (int64_t k = 0; k < d; ++k) {
      smooth_feat[k] = kSmoothAlpha * smooth_feat[k] + kSmoothBeta * f[k];
    }
    normalise(smooth_feat.data(), d);
  }
};

using TrackList = std::vector<Track*>;

}  // namespace

struct JDETracker::Impl {
  std::mutex mutex;  // serialises calls on one instance
  TrackerOptions opt;
  int max_time_lost = 30;
  int64_t frame = 0;
  int64_t next_key = 0;
  int64_t next_output_id = 0;
  int64_t dim = 0;
  uint64_t stamp = 0;
  std::vector<std::unique_ptr<Track>> storage;  // every live track
  TrackList tracked, lost;
  ReidGallery gallery;  // long-gap re-identification (empty unless reid_buffer > 0)

  // ---- list helpers (by identity, order preserved) ----
  TrackList joint(const TrackList& a, const TrackList& b) {
    const uint64_t s = ++stamp;
    TrackList out;
    out.reserve(a.size() + b.size());
    for (Track* t : a) {
      t->stamp = s;
      out.push_back(t);
    }
    for (Track* t : b) {
      if (t->stamp != s) {
        t->stamp = s;
        out.push_back(t);
      }
    }
    return out;
  }
  TrackList sub(const TrackList& a, const TrackList& b) {
    const uint64_t s = ++stamp;
    for (Track* t : b) t->stamp = s;
    TrackList out;
    for (Track* t : a) {
      if (t->stamp != s) out.push_back(t);
    }
    return out;
  }

  // ---- track transitions (docs/official_behaviour.md §4.1) ----
  Track* activate(const Detection& det) {
    auto t = std::make_unique<Track>();
    t->key = ++next_key;
    kalman::initiate(det.xyah, 1, t->mean, t->cov);
    t->state = TrackState::Tracked;
    t->is_activated = frame == 1;
    t->frame_id = t->start_frame = frame;
    t->score = det.score;
    t->det_index = det.index;
    t->cls = det.cls;
    t->smooth_feat.assign(det.feat, det.feat + dim);
    storage.push_back(std::move(t));
    return storage.back().get();
  }
  void update_track(Track* t, const Detection& det) {
    t->frame_id = frame;
    kalman::update(t->mean, t->cov, det.xyah, 1);  // a non-SPD innovation keeps the prediction
    t->state = TrackState::Tracked;
    t->is_activated = true;
    t->score = det.score;
    t->det_index = det.index;
    t->update_features(det.feat, dim);
  }
  void re_activate(Track* t, const Detection& det) {
    kalman::update(t->mean, t->cov, det.xyah, 1);
    t->update_features(det.feat, dim);
    t->state = TrackState::Tracked;
    t->is_activated = true;
    t->frame_id = frame;
    t->det_index = det.index;
    if (opt.association == Association::Byte) t->score = det.score;
  }

  // ---- cost matrices ----
  // Forbids (+inf) every track/detection pair of different classes: the assignment then
  // decomposes into one independent problem per class. Single-class input is left untouched.
  static void gate_classes(std::vector<double>& cost, const TrackList& tracks,
                           const std::vector<const Detection*>& dets) {
    const size_t n = tracks.size(), m = dets.size();
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < m; ++j) {
        if (tracks[i]->cls != dets[j]->cls) cost[i * m + j] = std::numeric_limits<double>::infinity();
      }
    }
  }

  std::vector<double> iou_cost(const TrackList& tracks, const std::vector<const Detection*>& dets) {
    const int64_t n = static_cast<int64_t>(tracks.size()), m = static_cast<int64_t>(dets.size());
    std::vector<double> a(4 * n), b(4 * m), cost(n * m);
    for (int64_t i = 0; i < n; ++i) tracks[i]->tlbr(&a[4 * i]);
    for (int64_t j = 0; j < m; ++j) {
      for (int k = 0; k < 4; ++k) b[4 * j + k] = dets[j]->tlbr[k];
    }
    iou_distance(a.data(), n, b.data(), m, cost.data());
    gate_classes(cost, tracks, dets);
    return cost;
  }

  std::vector<double> embedding_motion_cost(const TrackList& tracks, const std::vector<const Detection*>& dets) {
    const int64_t n = static_cast<int64_t>(tracks.size()), m = static_cast<int64_t>(dets.size());
    std::vector<double> cost(n * m);
    if (n == 0 || m == 0) return cost;
    std::vector<float> tf(n * dim), df(m * dim);
    std::vector<double> means(8 * n), covs(64 * n), xyah(4 * m);
    for (int64_t i = 0; i < n; ++i) {
      std::copy(tracks[i]->smooth_feat.begin(), tracks[i]->smooth_feat.end(), tf.begin() + i * dim);
      std::copy(tracks[i]->mean, tracks[i]->mean + 8, means.begin() + 8 * i);
      std::copy(tracks[i]->cov, tracks[i]->cov + 64, covs.begin() + 64 * i);
    }
    for (int64_t j = 0; j < m; ++j) {
      std::copy(dets[j]->feat, dets[j]->feat + dim, df.begin() + j * dim);
      std::copy(dets[j]->xyah, dets[j]->xyah + 4, xyah.begin() + 4 * j);
    }
    gated_embedding_cost(tf.data(), n, df.data(), m, dim, means.data(), covs.data(), xyah.data(), cost.data());
    gate_classes(cost, tracks, dets);
    return cost;
  }

  void validate(const DetectionBatch& b) const {
    if (b.n < 0) throw std::invalid_argument("number of detections must be non-negative");
    if (b.n == 0) return;
    if (!b.tlwh || !b.scores || !b.features) throw std::invalid_argument("detection arrays must not be null");
    if (b.dim <= 0) throw std::invalid_argument("embedding dimension must be positive");
    if (dim != 0 && b.dim != dim && !(tracked.empty() && lost.empty())) {
      throw std::invalid_argument("embedding dimension " + std::to_string(b.dim) +
                                  " differs from the dimension " + std::to_string(dim) +
                                  " of the tracker's current tracks");
    }
    for (int64_t i = 0; i < b.n; ++i) {
      for (int k = 0; k < 4; ++k) {
        if (!std::isfinite(b.tlwh[4 * i + k])) {
          throw std::invalid_argument("box " + std::to_string(i) + " is not finite");
        }
        if (!(std::fabs(b.tlwh[4 * i + k]) <= kMaxCoordinate)) {
          throw std::invalid_argument("box " + std::to_string(i) +
                                      " is out of range: x1, y1, width and height must lie within +-1e50 pixels");
        }
      }
      if (!std::isfinite(b.scores[i])) throw std::invalid_argument("score " + std::to_string(i) + " is not finite");
      // A sum of squares of float32 values cannot overflow in float64, so it
      // is finite exactly when every element is. (A norm beyond the float32 range is
      // fine: normalise divides in float64 then.)
      const double s = detail::dot_f64(b.features + i * b.dim, b.features + i * b.dim, b.dim);
      if (!std::isfinite(s)) throw std::invalid_argument("embedding " + std::to_string(i) + " is not finite");
      if (!(s > 0.0)) throw std::invalid_argument("embedding " + std::to_string(i) + " has zero norm");
      if (b.class_ids && b.class_ids[i] < 0) {
        throw std::invalid_argument("class id " + std::to_string(i) + " is negative");
      }
    }
  }

  // Threshold comparisons in float32 when the scores are float32 arrays.
  bool above(double score, double thr, bool f32) const {
    return f32 ? static_cast<float>(score) > static_cast<float>(thr) : score > thr;
  }
  bool below(double score, double thr, bool f32) const {
    return f32 ? static_cast<float>(score) < static_cast<float>(thr) : score < thr;
  }

  // ---- one frame, stage by stage (docs/official_behaviour.md §4.4) ----

  // The per-frame lists of §4.4: what each stage hands on to the next.
  struct Frame {
    std::vector<float> feats;           // normalised embeddings of the kept detections
    std::vector<Detection> high, low;   // kept detections (low: byte mode's second band)
    TrackList activated, refind, lost_now, removed;
    TrackList unconfirmed;              // tracked but never activated (un-predicted boxes)
    TrackList expired;                  // lost tracks removed this frame (re-id gallery candidates)
    TrackList pool;                     // tracks still looking for a detection
    TrackList still_unmatched;          // tracked tracks left after the IoU stages
    std::vector<const Detection*> dets; // high detections still unmatched
  };

  static std::vector<const Detection*> pointers(const std::vector<Detection>& v) {
    std::vector<const Detection*> out;
    out.reserve(v.size());
    for (const Detection& d : v) out.push_back(&d);
    return out;
  }
  static std::vector<const Detection*> pick(const std::vector<const Detection*>& v, const std::vector<int64_t>& idx) {
    std::vector<const Detection*> out;
    out.reserve(idx.size());
    for (int64_t j : idx) out.push_back(v[j]);
    return out;
  }

  // Applies the matches of one stage: a tracked track is updated (-> activated), any other is
  // re-activated (-> refound).
  void apply_matches(const MatchResult& r, const TrackList& tracks, const std::vector<const Detection*>& dets,
                     Frame& f) {
    for (size_t k = 0; k < r.matches.size(); k += 2) {
      Track* t = tracks[r.matches[k]];
      const Detection& d = *dets[r.matches[k + 1]];
      if (t->state == TrackState::Tracked) {
        update_track(t, d);
        f.activated.push_back(t);
      } else {
        re_activate(t, d);
        f.refind.push_back(t);
      }
    }
  }

  // Detections (§3 step 10): kept rows in input order; byte mode also keeps the low band.
  void collect_detections(const DetectionBatch& batch, Frame& f) const {
    const bool byte = opt.association == Association::Byte;
    std::vector<std::pair<int64_t, bool>> kept;  // (row, is_high)
    for (int64_t i = 0; i < batch.n; ++i) {
      const double* tlwh = batch.tlwh + 4 * i;
      // Aspect w/h undefined (zero height) or beyond float64 (a subnormal height): the official
      // tracker would produce NaN / inf boxes; such detections are ignored.
      if (tlwh[3] == 0.0 || !std::isfinite(tlwh[2] / tlwh[3])) continue;
      const double s = batch.scores[i];
      if (above(s, opt.conf_thres, batch.scores_float32)) {
        kept.emplace_back(i, true);
      } else if (byte && above(s, opt.low_thres, batch.scores_float32) &&
                 below(s, opt.conf_thres, batch.scores_float32)) {
        kept.emplace_back(i, false);
      }
    }
    f.feats.resize(kept.size() * dim);
    for (size_t k = 0; k < kept.size(); ++k) {
      const int64_t i = kept[k].first;
      const double* tlwh = batch.tlwh + 4 * i;
      Detection d;
      d.index = i;
      for (int c = 0; c < 4; ++c) d.tlwh[c] = tlwh[c];
      d.tlbr[0] = tlwh[0];
      d.tlbr[1] = tlwh[1];
      d.tlbr[2] = tlwh[0] + tlwh[2];
      d.tlbr[3] = tlwh[1] + tlwh[3];
      d.xyah[0] = tlwh[0] + tlwh[2] / 2;
      d.xyah[1] = tlwh[1] + tlwh[3] / 2;
      d.xyah[2] = tlwh[2] / tlwh[3];
      d.xyah[3] = tlwh[3];
      d.score = batch.scores[i];
      d.cls = batch.class_ids ? batch.class_ids[i] : 0;
      float* feat = f.feats.data() + k * dim;
      std::copy(batch.features + i * dim, batch.features + (i + 1) * dim, feat);
      normalise(feat, dim);  // on creation: feature, then the smoothed copy (the same array)
      normalise(feat, dim);
      d.feat = feat;
      (kept[k].second ? f.high : f.low).push_back(d);
    }
  }

  // Stage 1: embedding + motion over confirmed and lost tracks (step 2 splits the tracked list).
  void stage_embedding(Frame& f) {
    TrackList confirmed;
    for (Track* t : tracked) (t->is_activated ? confirmed : f.unconfirmed).push_back(t);
    f.pool = joint(confirmed, lost);
    for (Track* t : f.pool) {
      if (t->state != TrackState::Tracked) t->mean[7] = 0.0;
      kalman::predict(t->mean, t->cov, 1);
    }
    f.dets = pointers(f.high);
    const auto cost = embedding_motion_cost(f.pool, f.dets);
    const MatchResult r = linear_assignment(cost.data(), f.pool.size(), f.dets.size(), opt.match_thres);
    apply_matches(r, f.pool, f.dets, f);
    f.dets = pick(f.dets, r.unmatched_cols);
    TrackList r_tracked;
    for (int64_t i : r.unmatched_rows) {
      if (f.pool[i]->state == TrackState::Tracked) r_tracked.push_back(f.pool[i]);
    }
    f.pool.swap(r_tracked);
  }

  // Stage 2: IoU between the remaining tracked tracks and detections.
  void stage_iou(Frame& f) {
    const auto cost = iou_cost(f.pool, f.dets);
    const MatchResult r = linear_assignment(cost.data(), f.pool.size(), f.dets.size(), opt.iou_thres);
    apply_matches(r, f.pool, f.dets, f);
    for (int64_t i : r.unmatched_rows) f.still_unmatched.push_back(f.pool[i]);
    f.dets = pick(f.dets, r.unmatched_cols);
  }

  // Byte mode stage 3: IoU with the low-score detections.
  void stage_low_score(Frame& f) {
    TrackList second;
    for (Track* t : f.still_unmatched) {
      if (t->state == TrackState::Tracked) second.push_back(t);
    }
    const std::vector<const Detection*> low_dets = pointers(f.low);
    const auto cost = iou_cost(second, low_dets);
    const MatchResult r = linear_assignment(cost.data(), second.size(), low_dets.size(), kByteLowIouThresh);
    apply_matches(r, second, low_dets, f);
    TrackList left;
    for (int64_t i : r.unmatched_rows) left.push_back(second[i]);
    f.still_unmatched.swap(left);
  }

  // Tracks left unmatched by the IoU stages are lost.
  void mark_lost(Frame& f) {
    for (Track* t : f.still_unmatched) {
      if (t->state != TrackState::Lost) {
        t->state = TrackState::Lost;
        f.lost_now.push_back(t);
      }
    }
  }

  // Unconfirmed tracks (un-predicted boxes) against the remaining detections; unmatched ones
  // are removed.
  void stage_unconfirmed(Frame& f) {
    const auto cost = iou_cost(f.unconfirmed, f.dets);
    const MatchResult r = linear_assignment(cost.data(), f.unconfirmed.size(), f.dets.size(), opt.unconfirmed_thres);
    for (size_t k = 0; k < r.matches.size(); k += 2) {
      Track* t = f.unconfirmed[r.matches[k]];
      update_track(t, *f.dets[r.matches[k + 1]]);
      f.activated.push_back(t);
    }
    for (int64_t i : r.unmatched_rows) {
      f.unconfirmed[i]->state = TrackState::Removed;
      f.removed.push_back(f.unconfirmed[i]);
    }
    f.dets = pick(f.dets, r.unmatched_cols);
  }

  // New tracks from the detections nobody claimed.
  void start_new_tracks(Frame& f) {
    const double det_thresh = opt.association == Association::Byte ? opt.conf_thres + 0.1 : opt.conf_thres;
    std::vector<const Detection*> starters;
    for (const Detection* d : f.dets) {
      if (d->score >= det_thresh) starters.push_back(d);
    }
    const std::vector<int64_t> revive = match_gallery(starters);
    for (size_t k = 0; k < starters.size(); ++k) {
      f.activated.push_back(revive.empty() || revive[k] < 0 ? activate(*starters[k])
                                                            : revive_track(gallery.entries()[revive[k]], *starters[k]));
    }
    if (!revive.empty()) {
      std::vector<int64_t> used;
      for (int64_t e : revive) {
        if (e >= 0) used.push_back(e);
      }
      gallery.erase(used);
    }
  }

  // ---- long-gap re-identification (opt-in; reid_gallery.hpp) ----
  // The gallery entry each would-be new track revives, or -1; empty when the gallery is off or empty.
  std::vector<int64_t> match_gallery(const std::vector<const Detection*>& dets) const {
    if (gallery.size() == 0 || dets.empty()) return {};
    const int64_t m = static_cast<int64_t>(dets.size());
    std::vector<double> xyah(4 * m);
    std::vector<float> feats(m * dim);
    std::vector<int64_t> cls(m);
    for (int64_t j = 0; j < m; ++j) {
      std::copy(dets[j]->xyah, dets[j]->xyah + 4, xyah.begin() + 4 * j);
      std::copy(dets[j]->feat, dets[j]->feat + dim, feats.begin() + j * dim);
      cls[j] = dets[j]->cls;
    }
    return gallery.match(frame, xyah.data(), feats.data(), cls.data(), m, dim);
  }
  // A removed track comes back: its id, class, start and embedding (updated with the detection as
  // the official re-activation does); its motion state restarts from the detection (the old one
  // is more than max_time_lost frames stale).
  Track* revive_track(const GalleryEntry& e, const Detection& det) {
    auto t = std::make_unique<Track>();
    t->key = ++next_key;
    t->output_id = e.id;
    kalman::initiate(det.xyah, 1, t->mean, t->cov);
    t->state = TrackState::Tracked;
    t->is_activated = true;
    t->start_frame = e.start_frame;
    t->frame_id = frame;
    t->score = det.score;
    t->det_index = det.index;
    t->cls = e.cls;
    t->smooth_feat = e.feat;
    t->update_features(det.feat, dim);
    storage.push_back(std::move(t));
    return storage.back().get();
  }
  // An expired track enters the gallery once the official bookkeeping has dropped it from both
  // lists (it keeps a removed track in the lost list for one more frame, where it may be found).
  void remember_expired(const Frame& f) {
    if (f.expired.empty()) return;
    const uint64_t s = ++stamp;
    for (Track* t : tracked) t->stamp = s;
    for (Track* t : lost) t->stamp = s;
    for (Track* t : f.expired) {
      if (t->stamp != s) remember(t);
    }
  }
  // A confirmed track the official tracker forgets enters the gallery.
  void remember(const Track* t) {
    if (t->output_id == 0) return;
    GalleryEntry e;
    e.id = t->output_id;
    e.cls = t->cls;
    e.start_frame = t->start_frame;
    e.last_seen = t->frame_id;
    e.removed = frame;
    std::copy(t->mean, t->mean + 8, e.mean);
    e.feat = t->smooth_feat;
    gallery.add(std::move(e));
  }
  // Camera motion: every track's state and the gallery's boxes, before prediction.
  void apply_warp(const double* A) {
    for (Track* t : tracked) warp_state(A, t->mean, t->cov);
    for (Track* t : lost) warp_state(A, t->mean, t->cov);
    gallery.warp(A);
  }

  // Expire lost tracks (the list as it was at the start of the frame).
  void expire_lost(Frame& f) {
    for (Track* t : lost) {
      if (frame - t->frame_id > max_time_lost) {
        t->state = TrackState::Removed;
        f.removed.push_back(t);
        f.expired.push_back(t);
      }
    }
  }

  // Bookkeeping (§4.4 step 8), in order.
  void update_lists(Frame& f) {
    TrackList new_tracked;
    for (Track* t : tracked) {
      if (t->state == TrackState::Tracked) new_tracked.push_back(t);
    }
    new_tracked = joint(new_tracked, f.activated);
    new_tracked = joint(new_tracked, f.refind);
    TrackList new_lost = sub(lost, new_tracked);
    new_lost.insert(new_lost.end(), f.lost_now.begin(), f.lost_now.end());
    {
      TrackList kept_lost;
      for (Track* t : new_lost) {
        if (!t->in_removed_history) kept_lost.push_back(t);
      }
      new_lost.swap(kept_lost);
    }
    for (Track* t : f.removed) t->in_removed_history = true;
    remove_duplicates(new_tracked, new_lost);
    tracked.swap(new_tracked);
    lost.swap(new_lost);
    if (gallery.enabled()) remember_expired(f);
    collect_garbage();
  }

  // The activated tracked tracks, numbered on their first output.
  std::vector<OutputTrack> outputs() {
    std::vector<OutputTrack> out;
    for (Track* t : tracked) {
      if (!t->is_activated) continue;
      if (t->output_id == 0) t->output_id = ++next_output_id;
      OutputTrack o;
      o.id = t->output_id;
      t->tlwh(o.tlwh);
      o.score = t->score;
      o.det_index = t->det_index;
      o.class_id = t->cls;
      out.push_back(o);
    }
    return out;
  }

  std::vector<OutputTrack> step(const DetectionBatch& batch, const double* warp = nullptr) {
    validate(batch);
    if (warp) {
      const std::string why = warp_problem(warp);
      if (!why.empty()) throw std::invalid_argument(why);
      if (warp_is_identity(warp)) warp = nullptr;
    }
    if (batch.n > 0 && batch.dim != dim) gallery.clear();  // embeddings of another size: not comparable
    if (batch.n > 0) dim = batch.dim;
    frame += 1;
    if (warp) apply_warp(warp);
    gallery.expire(frame);
    Frame f;
    collect_detections(batch, f);
    stage_embedding(f);
    stage_iou(f);
    if (opt.association == Association::Byte) stage_low_score(f);
    mark_lost(f);
    stage_unconfirmed(f);
    start_new_tracks(f);
    expire_lost(f);
    update_lists(f);
    return outputs();
  }

  void remove_duplicates(TrackList& a, TrackList& b) {
    if (a.empty() || b.empty()) return;
    const int64_t n = static_cast<int64_t>(a.size()), m = static_cast<int64_t>(b.size());
    std::vector<double> ba(4 * n), bb(4 * m), dist(n * m);
    for (int64_t i = 0; i < n; ++i) a[i]->tlbr(&ba[4 * i]);
    for (int64_t j = 0; j < m; ++j) b[j]->tlbr(&bb[4 * j]);
    iou_distance(ba.data(), n, bb.data(), m, dist.data());
    std::vector<char> drop_a(n, 0), drop_b(m, 0);
    for (int64_t p = 0; p < n; ++p) {
      for (int64_t q = 0; q < m; ++q) {
        if (!(dist[p * m + q] < kDuplicateDist)) continue;
        if (a[p]->cls != b[q]->cls) continue;  // never a duplicate across classes
        const int64_t tp = a[p]->frame_id - a[p]->start_frame;
        const int64_t tq = b[q]->frame_id - b[q]->start_frame;
        if (tp > tq) {
          drop_b[q] = 1;
        } else {
          drop_a[p] = 1;
        }
      }
    }
    TrackList ra, rb;
    for (int64_t i = 0; i < n; ++i) {
      if (!drop_a[i]) ra.push_back(a[i]);
    }
    for (int64_t j = 0; j < m; ++j) {
      if (!drop_b[j]) rb.push_back(b[j]);
    }
    a.swap(ra);
    b.swap(rb);
  }

  // Frees tracks that neither list refers to any more.
  void collect_garbage() {
    const uint64_t s = ++stamp;
    for (Track* t : tracked) t->stamp = s;
    for (Track* t : lost) t->stamp = s;
    size_t w = 0;
    for (size_t r = 0; r < storage.size(); ++r) {
      if (storage[r]->stamp == s) {
        if (w != r) storage[w] = std::move(storage[r]);
        ++w;
      }
    }
    storage.resize(w);
  }

  void reset() {
    frame = 0;
    next_key = 0;
    next_output_id = 0;
    dim = 0;
    tracked.clear();
    lost.clear();
    storage.clear();
    gallery.clear();
  }
};

void validate_options(const TrackerOptions& o) {
  auto fail = [](const std::string& msg) { throw std::invalid_argument(msg); };
  if (!std::isfinite(o.conf_thres)) fail("conf_thres must be finite");
  if (o.track_buffer < 0) fail("track_buffer must be >= 0");
  if (!(o.frame_rate > 0) || !std::isfinite(o.frame_rate)) fail("frame_rate must be a positive number");
  if (!std::isfinite(o.match_thres)) fail("match_thres must be finite");
  if (!std::isfinite(o.low_thres)) fail("low_thres must be finite");
  if (!std::isfinite(o.iou_thres)) fail("iou_thres must be finite");
  if (!std::isfinite(o.unconfirmed_thres)) fail("unconfirmed_thres must be finite");
  if (o.reid_buffer < 0) fail("reid_buffer must be >= 0");
  if (!std::isfinite(o.reid_thres) || o.reid_thres < 0) fail("reid_thres must be finite and >= 0");
}

namespace {
// The official int(frame_rate / 30.0 * track_buffer), truncated toward zero, saturated at the
// int range: a huge (valid) frame rate keeps lost tracks for ever instead of overflowing.
int frames_for(const TrackerOptions& o, int buffer) {
  const double v = o.frame_rate / 30.0 * static_cast<double>(buffer);
  if (!(v < static_cast<double>(std::numeric_limits<int>::max()))) return std::numeric_limits<int>::max();
  return v <= 0.0 ? 0 : static_cast<int>(v);
}
}  // namespace

JDETracker::JDETracker(const TrackerOptions& options) : impl_(std::make_unique<Impl>()) {
  validate_options(options);
  impl_->opt = options;
  impl_->max_time_lost = frames_for(options, options.track_buffer);
  GallerySettings g;
  g.max_frames = options.reid_buffer > 0 ? std::max(1, frames_for(options, options.reid_buffer)) : 0;
  g.thres = options.reid_thres;
  g.frame_rate = options.frame_rate;
  g.capacity = static_cast<size_t>(defaults::kReidGallerySize);
  impl_->gallery.configure(g);
}
JDETracker::~JDETracker() = default;
JDETracker::JDETracker(JDETracker&&) noexcept = default;
JDETracker& JDETracker::operator=(JDETracker&&) noexcept = default;

std::vector<OutputTrack> JDETracker::update(const DetectionBatch& d) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->step(d);
}
std::vector<OutputTrack> JDETracker::update(const DetectionBatch& d, const double* warp) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->step(d, warp);
}
void JDETracker::reset() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->reset();
}
// The getters take the lock too: update() runs without the GIL, so another thread may read
// while it rewrites the lists; each getter waits for the running update and sees its result.
int64_t JDETracker::frame_id() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->frame;
}
int JDETracker::max_time_lost() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->max_time_lost;
}
TrackerOptions JDETracker::options() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->opt;
}
int64_t JDETracker::num_tracked() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return static_cast<int64_t>(impl_->tracked.size());
}
int64_t JDETracker::num_lost() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return static_cast<int64_t>(impl_->lost.size());
}
int64_t JDETracker::feature_dim() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->dim;
}

int JDETracker::reid_max_frames() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->gallery.max_frames();
}
int64_t JDETracker::gallery_size() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return static_cast<int64_t>(impl_->gallery.size());
}
std::vector<GalleryEntry> JDETracker::gallery() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return std::vector<GalleryEntry>(impl_->gallery.entries().begin(), impl_->gallery.entries().end());
}

}  // namespace fairmot
