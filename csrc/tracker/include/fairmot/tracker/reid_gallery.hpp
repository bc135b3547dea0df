// Long-gap re-identification gallery (opt-in, used by JDETracker; docs/identity.md).
//
// A confirmed track that the official tracker forgets (lost for more than max_time_lost
// frames) is kept here for up to max_frames more frames: its output id, class, smoothed
// embedding and Kalman mean. Detections that would start a new track are first matched
// against the entries by one optimal assignment (linear_assignment, threshold reid_thres) on
// the cosine distance of the embeddings, where implausible pairs are forbidden:
//
//   gap   g  = frame - last_seen (frames), in seconds g / frame_rate
//   sizes h_l = entry height, h_d = detection height, both > 0,
//         max(h_d / h_l, h_l / h_d) <= kReidMaxSizeRatio
//   path  the constant-velocity path of the entry's centre, from where it was last seen
//         (c_seen = c - v * (removed - last_seen)) to where it would be now (c_seen + v * g);
//         the person may have stopped anywhere on it
//   place distance(detection centre, path) <= (h_l + h_d) / 2 * (kReidBaseDistance + kReidMaxSpeed * g / frame_rate)
//   class equal
//
// The gallery holds at most `capacity` entries (the oldest removal is evicted first), so its
// memory is bounded by capacity * (embedding size + a few words) whatever the stream length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace fairmot {

struct GalleryEntry {
  int64_t id = 0;           // output id the track had (revived on a match)
  int64_t cls = 0;          // its class
  int64_t start_frame = 0;  // frame the track started
  int64_t last_seen = 0;    // frame of its last matched detection
  int64_t removed = 0;      // frame it was removed (entered the gallery)
  double mean[8] = {0};     // Kalman mean at removal, moved by every warp since
  std::vector<float> feat;  // smoothed embedding, unit norm
};

struct GallerySettings {
  int max_frames = 0;       // int(frame_rate / 30 * reid_buffer); 0 = the gallery is off
  double thres = 0.3;       // reid_thres
  double frame_rate = 30.0;
  std::size_t capacity = 256;
};

class ReidGallery {
 public:
  void configure(const GallerySettings& s) { settings_ = s; }
  bool enabled() const { return settings_.max_frames > 0; }
  int max_frames() const { return settings_.max_frames; }
  std::size_t size() const { return entries_.size(); }
  const std::deque<GalleryEntry>& entries() const { return entries_; }
  void clear() { entries_.clear(); }

  // Adds an entry; evicts the oldest while over capacity.
  void add(GalleryEntry e);
  // Drops the entries removed more than max_frames frames before `frame`.
  void expire(int64_t frame);
  // Moves every entry's mean by the affine A (6 doubles, see warp.hpp).
  void warp(const double* A);
  // Whether entry e may plausibly be the detection with centre/height xyah (4) at `frame`.
  bool plausible(const GalleryEntry& e, const double* xyah, int64_t frame) const;
  // For m candidates (xyah (m, 4), unit-norm features (m, dim), classes (m) or null), the
  // entry index each is matched to, or -1: one optimal assignment, threshold settings.thres.
  std::vector<int64_t> match(int64_t frame, const double* xyah, const float* feats, const int64_t* cls, int64_t m,
                             int64_t dim) const;
  // Removes the entries at the given indices (any order, no duplicates).
  void erase(std::vector<int64_t> indices);

 private:
  GallerySettings settings_;
  std::deque<GalleryEntry> entries_;  // in order of removal
};

}  // namespace fairmot
