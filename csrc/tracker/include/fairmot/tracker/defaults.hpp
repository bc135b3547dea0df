// Every default of the tracker, once (docs/official_behaviour.md §4, §8: the official FairMOT values).
//
// TrackerOptions takes its member defaults from here, the Python bindings take their default
// arguments from here and expose them as fairmot._tracker.DEFAULTS, and fairmot.config reads that
// dict: a default changed here changes everywhere.
#pragma once

namespace fairmot {
namespace defaults {

// --- association (official opts.py / multitracker.py)
constexpr double kConfThres = 0.4;      // detections need score > conf_thres
constexpr int kTrackBuffer = 30;        // frames (at 30 fps) a lost track is kept
constexpr double kFrameRate = 30.0;     // stream frame rate; max_time_lost = int(frame_rate / 30 * track_buffer)
constexpr const char* kAssociation = "default";  // "default" (official) or "byte"
constexpr double kMatchThres = 0.4;     // stage-1 (embedding + motion) assignment threshold
constexpr double kLowThres = 0.2;       // byte mode: low-score detections have low_thres < score < conf_thres
constexpr double kIouThres = 0.5;       // stage-2 IoU assignment threshold (official 1 - IoU <= 0.5)
constexpr double kUnconfirmedThres = 0.7;  // unconfirmed-track IoU assignment threshold (official 0.7)
constexpr double kFuseLambda = 0.98;    // fuse_motion: cost = lambda * appearance + (1 - lambda) * motion

// --- long-gap re-identification (opt-in, docs/identity.md; not in the official tracker)
constexpr int kReidBuffer = 0;          // frames (at 30 fps) a removed track stays in the gallery; 0 = off (official)
constexpr double kReidThres = 0.3;      // gallery match: cosine distance of the embeddings <= reid_thres
constexpr int kReidGallerySize = 256;   // most entries the gallery holds; the oldest removal is evicted first
constexpr double kReidMaxSizeRatio = 1.5;   // plausible: max(h_det / h_last, h_last / h_det) <= this
constexpr double kReidBaseDistance = 1.0;   // plausible: centre within (base + speed * gap seconds) * mean height
constexpr double kReidMaxSpeed = 1.0;       // ... of the constant-velocity path, in box heights per second

// --- output filter of the official track.py (applied by fairmot.Tracker, not by the core)
constexpr double kMinBoxArea = 100.0;      // keep w * h > min_box_area
constexpr double kMaxAspectRatio = 1.6;    // drop w / h > max_aspect_ratio

}  // namespace defaults
}  // namespace fairmot
