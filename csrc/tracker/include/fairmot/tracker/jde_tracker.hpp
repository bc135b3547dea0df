// FairMOT's JDETracker association step (docs/official_behaviour.md §4), torch-free.
//
// One instance tracks one stream. Identities are per instance and
// consecutive: a track receives the next id (starting at 1) the first time
// it is output. The grouping of detections into identities is exactly the
// official tracker's (which would also spend ids on tracks that never
// confirm, leaving gaps).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fairmot/tracker/defaults.hpp"
#include "fairmot/tracker/reid_gallery.hpp"

namespace fairmot {

enum class TrackState : int { New = 0, Tracked = 1, Lost = 2, Removed = 3 };

enum class Association {
  Default,  // the official FairMOT association (§4.4)
  Byte,     // + a third IoU pass with low-score detections (ByteTrack's FairMOT variant, §4.11)
};

struct TrackerOptions {
  // Defaults: fairmot/tracker/defaults.hpp (the one home of every default).
  double conf_thres = defaults::kConfThres;    // detections need score > conf_thres
  int track_buffer = defaults::kTrackBuffer;   // frames at 30 fps a lost track is kept
  double frame_rate = defaults::kFrameRate;    // max_time_lost = int(frame_rate / 30 * track_buffer), at most INT_MAX
  Association association = Association::Default;  // defaults::kAssociation
  double match_thres = defaults::kMatchThres;  // stage-1 (embedding + motion) threshold
  double low_thres = defaults::kLowThres;      // byte mode: low-score detections have low_thres < score < conf_thres
  double iou_thres = defaults::kIouThres;      // stage-2 (IoU) threshold
  double unconfirmed_thres = defaults::kUnconfirmedThres;  // unconfirmed tracks' IoU threshold
  // Long-gap re-identification (opt-in, reid_gallery.hpp): frames at 30 fps a removed track stays
  // in the gallery (0 = off, the official tracker), and the gallery's cosine-distance threshold.
  int reid_buffer = defaults::kReidBuffer;
  double reid_thres = defaults::kReidThres;
};

// One frame of detections, all arrays row-major and owned by the caller.
struct DetectionBatch {
  int64_t n = 0;
  const double* tlwh = nullptr;     // (n, 4) x1, y1, w, h in pixels
  const double* scores = nullptr;   // (n)
  bool scores_float32 = false;      // compare thresholds in float32, as the official float32 arrays do
  const float* features = nullptr;  // (n, dim) appearance embeddings
  int64_t dim = 0;
  // (n) class of each detection, >= 0; null means every detection is class 0. A track keeps
  // the class of the detection that started it and no stage matches across classes.
  const int64_t* class_ids = nullptr;
};

struct OutputTrack {
  int64_t id;         // consecutive, from 1
  double tlwh[4];     // from the Kalman state
  double score;       // detection score of the last update
  int64_t det_index;  // input row matched this frame
  int64_t class_id;   // the class of the detection that started the track
};

class JDETracker {
 public:
  explicit JDETracker(const TrackerOptions& options = TrackerOptions());
  ~JDETracker();
  JDETracker(const JDETracker&) = delete;
  JDETracker& operator=(const JDETracker&) = delete;
  JDETracker(JDETracker&&) noexcept;
  JDETracker& operator=(JDETracker&&) noexcept;

  // Runs one frame. Throws std::invalid_argument (state untouched) on
  // non-finite inputs or an embedding dimension that differs from the one
  // the current tracks carry. Detections of zero height are ignored, like
  // detections below the score threshold (their aspect ratio w / h is
  // undefined); other degenerate boxes (negative width or height) are tracked
  // exactly as the official tracker tracks them.
  std::vector<OutputTrack> update(const DetectionBatch& detections);
  // The same, after moving every track's Kalman state (and the re-id gallery's boxes) by the
  // camera motion `warp`: a 2x3 row-major affine from the previous frame to this one (warp.hpp).
  // Null or the exact identity: update(detections) bit for bit. An invalid warp throws
  // std::invalid_argument before anything changes.
  std::vector<OutputTrack> update(const DetectionBatch& detections, const double* warp);

  // update(), reset() and the getters below lock the instance: any of them may be called from
  // several threads (a getter waits for a running update and sees its result).
  void reset();
  int64_t frame_id() const;
  // int(frame_rate / 30 * track_buffer) (the official formula), saturated at INT_MAX: a huge
  // frame rate means lost tracks never expire.
  int max_time_lost() const;
  TrackerOptions options() const;  // a copy
  int64_t num_tracked() const;  // tracked list length (confirmed or not)
  int64_t num_lost() const;     // lost list length
  int64_t feature_dim() const;  // 0 until the first detection is seen
  // Re-id gallery: int(frame_rate / 30 * reid_buffer) saturated like max_time_lost, its current
  // size and a copy of its entries (oldest removal first).
  int reid_max_frames() const;
  int64_t gallery_size() const;
  std::vector<GalleryEntry> gallery() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks options; throws std::invalid_argument with a message naming the field.
void validate_options(const TrackerOptions& options);

}  // namespace fairmot
