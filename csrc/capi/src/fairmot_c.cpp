// libfairmot: the C ABI (fairmot.h) over the C++ tracker core.
//
// Every entry point catches everything: no exception crosses the C boundary.
// Inputs are converted exactly as the Python binding converts float32 arrays
// (csrc/bindings/tracker_module.cpp), so results equal
// fairmot.tracking.JDETracker.update bit for bit. The only global state is
// the thread-local error message.
#include "fairmot/fairmot.h"

#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <vector>

#include "fairmot/tracker/jde_tracker.hpp"

struct fairmot_tracker {
  explicit fairmot_tracker(const fairmot::TrackerOptions& o) : core(o) {}
  fairmot::JDETracker core;
};

namespace {

// A fixed buffer: setting a message never allocates (it must work after std::bad_alloc).
constexpr size_t kErrorSize = 1024;
thread_local char g_last_error[kErrorSize] = {0};

int fail(int code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

int fail(int code, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(g_last_error, kErrorSize, fmt, args);
  va_end(args);
  return code;
}

// Maps the exception being handled to a code and message; call from a catch block.
int fail_current(const char* where) {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return fail(FAIRMOT_E_NO_MEMORY, "%s: out of memory", where);
  } catch (const std::length_error& e) {
    return fail(FAIRMOT_E_NO_MEMORY, "%s: out of memory (%s)", where, e.what());
  } catch (const std::invalid_argument& e) {
    return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: %s", where, e.what());
  } catch (const std::exception& e) {
    return fail(FAIRMOT_E_INTERNAL, "%s: internal error: %s", where, e.what());
  } catch (...) {
    return fail(FAIRMOT_E_INTERNAL, "%s: internal error: unknown exception", where);
  }
}

// The options of the first ABI-1 release end at low_thres (callers built then pass this size); the
// fields after it (reid_buffer, reid_thres) then keep their defaults.
constexpr size_t kOptionsSizeV1 = offsetof(fairmot_tracker_options, reid_buffer);

int to_core_options(const fairmot_tracker_options* in, fairmot::TrackerOptions* out) {
  if (in->struct_size != sizeof(fairmot_tracker_options) && in->struct_size != kOptionsSizeV1) {
    return fail(FAIRMOT_E_INVALID_ARGUMENT,
                "fairmot_tracker_create: options.struct_size is %u but this library (ABI %d) knows only %u "
                "(sizeof(fairmot_tracker_options)) and %u (the first release's); fill the options with "
                "fairmot_tracker_options_init",
                static_cast<unsigned>(in->struct_size), FAIRMOT_ABI_VERSION,
                static_cast<unsigned>(sizeof(fairmot_tracker_options)), static_cast<unsigned>(kOptionsSizeV1));
  }
  fairmot::TrackerOptions o;
  o.conf_thres = in->conf_thres;
  o.track_buffer = in->track_buffer;
  o.frame_rate = in->frame_rate;
  if (in->association == FAIRMOT_ASSOC_DEFAULT) {
    o.association = fairmot::Association::Default;
  } else if (in->association == FAIRMOT_ASSOC_BYTE) {
    o.association = fairmot::Association::Byte;
  } else {
    return fail(FAIRMOT_E_INVALID_ARGUMENT,
                "fairmot_tracker_create: options.association must be FAIRMOT_ASSOC_DEFAULT (0) or "
                "FAIRMOT_ASSOC_BYTE (1), got %d",
                static_cast<int>(in->association));
  }
  o.match_thres = in->match_thres;
  o.low_thres = in->low_thres;
  if (in->struct_size >= sizeof(fairmot_tracker_options)) {
    o.reid_buffer = in->reid_buffer;
    o.reid_thres = in->reid_thres;
  }
  fairmot::validate_options(o);  // throws std::invalid_argument naming the field
  *out = o;
  return FAIRMOT_OK;
}

// One allocation: the header, then ids, tlwh, scores, det_index, class_ids (all 8-byte elements).
fairmot_tracks* alloc_tracks(int64_t capacity) {
  static_assert(sizeof(fairmot_tracks) % 8 == 0, "fairmot_tracks must keep the arrays 8-byte aligned");
  const size_t cap = static_cast<size_t>(capacity);
  const size_t bytes = sizeof(fairmot_tracks) + cap * 8 * sizeof(int64_t);  // 1 + 4 + 1 + 1 + 1 per track
  void* mem = std::malloc(bytes);
  if (!mem) return nullptr;
  auto* t = static_cast<fairmot_tracks*>(mem);
  t->n = 0;
  return t;
}

void set_pointers(fairmot_tracks* t, int64_t capacity) {
  char* base = reinterpret_cast<char*>(t) + sizeof(fairmot_tracks);
  const size_t cap = static_cast<size_t>(capacity);
  t->ids = reinterpret_cast<const int64_t*>(base);
  t->tlwh = reinterpret_cast<const double*>(base + cap * 8);
  t->scores = reinterpret_cast<const double*>(base + cap * 40);
  t->det_index = reinterpret_cast<const int64_t*>(base + cap * 48);
  t->class_ids = reinterpret_cast<const int64_t*>(base + cap * 56);
}

}  // namespace

extern "C" {

uint32_t fairmot_abi_version(void) { return FAIRMOT_ABI_VERSION; }

const char* fairmot_last_error(void) { return g_last_error; }

void fairmot_tracker_options_init(fairmot_tracker_options* opts) {
  if (!opts) return;
  const fairmot::TrackerOptions d{};
  std::memset(opts, 0, sizeof(*opts));
  opts->struct_size = static_cast<uint32_t>(sizeof(fairmot_tracker_options));
  opts->conf_thres = d.conf_thres;
  opts->track_buffer = static_cast<int32_t>(d.track_buffer);
  opts->frame_rate = d.frame_rate;
  opts->association = d.association == fairmot::Association::Byte ? FAIRMOT_ASSOC_BYTE : FAIRMOT_ASSOC_DEFAULT;
  opts->match_thres = d.match_thres;
  opts->low_thres = d.low_thres;
  opts->reid_buffer = static_cast<int32_t>(d.reid_buffer);
  opts->reid_thres = d.reid_thres;
}

int fairmot_tracker_create(const fairmot_tracker_options* opts, fairmot_tracker** out) {
  static const char* const where = "fairmot_tracker_create";
  if (!out) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: out is NULL", where);
  *out = nullptr;
  try {
    fairmot::TrackerOptions o{};
    if (opts) {
      const int rc = to_core_options(opts, &o);
      if (rc != FAIRMOT_OK) return rc;
    }
    *out = new fairmot_tracker(o);
    return FAIRMOT_OK;
  } catch (...) {
    return fail_current(where);
  }
}

void fairmot_tracker_destroy(fairmot_tracker* t) { delete t; }

int fairmot_tracker_reset(fairmot_tracker* t) {
  static const char* const where = "fairmot_tracker_reset";
  if (!t) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: tracker is NULL", where);
  try {
    t->core.reset();
    return FAIRMOT_OK;
  } catch (...) {
    return fail_current(where);
  }
}

int64_t fairmot_tracker_frame_id(const fairmot_tracker* t) {
  if (!t) {
    fail(FAIRMOT_E_INVALID_ARGUMENT, "fairmot_tracker_frame_id: tracker is NULL");
    return -1;
  }
  try {
    return t->core.frame_id();
  } catch (...) {
    fail_current("fairmot_tracker_frame_id");
    return -1;
  }
}

}  // extern "C"

namespace {

// fairmot_tracker_update and fairmot_tracker_update_warped (warp: 6 doubles or NULL).
int update_impl(const char* where, fairmot_tracker* t, int64_t n, const float* boxes_xyxy, const float* scores,
                const float* embeddings, int64_t dim, const int64_t* class_ids, const double* warp,
                fairmot_tracks** out) {
  if (!out) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: out is NULL", where);
  *out = nullptr;
  if (!t) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: tracker is NULL", where);
  if (n < 0) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: n must be >= 0, got %lld", where, static_cast<long long>(n));
  if (n > 0) {
    if (!boxes_xyxy) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: boxes_xyxy is NULL with n = %lld", where, static_cast<long long>(n));
    if (!scores) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: scores is NULL with n = %lld", where, static_cast<long long>(n));
    if (!embeddings) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: embeddings is NULL with n = %lld", where, static_cast<long long>(n));
    if (dim <= 0) return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: dim must be > 0 when n > 0, got %lld", where, static_cast<long long>(dim));
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 16;
    if (n > kMax || dim > kMax / n) {
      return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: n = %lld and dim = %lld are too large", where,
                  static_cast<long long>(n), static_cast<long long>(dim));
    }
  }
  if (class_ids) {
    for (int64_t i = 0; i < n; ++i) {
      if (class_ids[i] < 0) {
        return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: class_ids[%lld] is %lld; class ids must be >= 0", where,
                    static_cast<long long>(i), static_cast<long long>(class_ids[i]));
      }
    }
  }
  try {
    // x1, y1, x2, y2 -> x1, y1, w, h with w and h computed in float32 (as for float32 numpy boxes).
    std::vector<double> tlwh(static_cast<size_t>(4 * n));
    std::vector<double> sc(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const float* p = boxes_xyxy + 4 * i;
      tlwh[4 * i] = p[0];
      tlwh[4 * i + 1] = p[1];
      tlwh[4 * i + 2] = static_cast<double>(p[2] - p[0]);
      tlwh[4 * i + 3] = static_cast<double>(p[3] - p[1]);
      for (int k = 0; k < 4; ++k) {
        if (!std::isfinite(tlwh[4 * i + k])) {
          return fail(FAIRMOT_E_INVALID_ARGUMENT, "%s: box %lld contains NaN or inf (or x2 - x1 / y2 - y1 overflows)",
                      where, static_cast<long long>(i));
        }
      }
      sc[i] = scores[i];
    }
    // Upper bound of the output: every current track plus one new track per detection. Allocated
    // before the update so that running out of memory leaves the tracker unchanged.
    const int64_t capacity = t->core.num_tracked() + t->core.num_lost() + n;
    fairmot_tracks* result = alloc_tracks(capacity);
    if (!result) return fail(FAIRMOT_E_NO_MEMORY, "%s: out of memory", where);

    fairmot::DetectionBatch batch;
    batch.n = n;
    batch.tlwh = tlwh.data();
    batch.scores = sc.data();
    batch.scores_float32 = true;
    batch.features = embeddings;
    batch.dim = n > 0 ? dim : 0;
    batch.class_ids = n > 0 ? class_ids : nullptr;  // per-class association (no stage crosses classes)
    std::vector<fairmot::OutputTrack> tracks;
    try {
      tracks = warp ? t->core.update(batch, warp) : t->core.update(batch);
    } catch (...) {
      std::free(result);
      throw;
    }
    const int64_t k = static_cast<int64_t>(tracks.size());
    if (k > capacity) {  // cannot happen; kept as a guard against a silent overflow
      std::free(result);
      return fail(FAIRMOT_E_INTERNAL, "%s: internal error: %lld tracks exceed the bound %lld", where,
                  static_cast<long long>(k), static_cast<long long>(capacity));
    }
    set_pointers(result, capacity);
    auto* ids = const_cast<int64_t*>(result->ids);
    auto* box = const_cast<double*>(result->tlwh);
    auto* score = const_cast<double*>(result->scores);
    auto* det = const_cast<int64_t*>(result->det_index);
    auto* klass = const_cast<int64_t*>(result->class_ids);
    for (int64_t i = 0; i < k; ++i) {
      const fairmot::OutputTrack& o = tracks[static_cast<size_t>(i)];
      ids[i] = o.id;
      for (int c = 0; c < 4; ++c) box[4 * i + c] = o.tlwh[c];
      score[i] = o.score;
      det[i] = o.det_index;
      klass[i] = o.class_id;  // the class of the detection that started the track
    }
    result->n = k;
    *out = result;
    return FAIRMOT_OK;
  } catch (...) {
    return fail_current(where);
  }
}

}  // namespace

extern "C" {

int fairmot_tracker_update(fairmot_tracker* t, int64_t n, const float* boxes_xyxy, const float* scores,
                           const float* embeddings, int64_t dim, const int64_t* class_ids, fairmot_tracks** out) {
  return update_impl("fairmot_tracker_update", t, n, boxes_xyxy, scores, embeddings, dim, class_ids, nullptr, out);
}

int fairmot_tracker_update_warped(fairmot_tracker* t, int64_t n, const float* boxes_xyxy, const float* scores,
                                  const float* embeddings, int64_t dim, const int64_t* class_ids, const double* warp,
                                  fairmot_tracks** out) {
  return update_impl("fairmot_tracker_update_warped", t, n, boxes_xyxy, scores, embeddings, dim, class_ids, warp,
                     out);
}

void fairmot_tracks_free(fairmot_tracks* tracks) { std::free(tracks); }

}  // extern "C"
