/* fairmot.h - the stable C ABI of the fairmot tracker core (libfairmot).
 *
 * Plain C99, usable from C, C++ and any language with a C FFI (ctypes, cffi,
 * Rust, Go, C#, Java). Every exported symbol starts with fairmot_. The full
 * reference is docs/c_api.md in the fairmot source tree.
 *
 * Conventions
 *   - Functions returning int return FAIRMOT_OK (0) or an error code; on an
 *     error fairmot_last_error() returns this thread's message, the tracker is
 *     left exactly as it was before the call, and out-pointers are set to NULL.
 *   - Arrays are row-major, owned by the caller for inputs and by the library
 *     for outputs (fairmot_tracks, freed with fairmot_tracks_free).
 *   - One tracker must be used by one thread at a time; different trackers may
 *     be used from different threads in parallel. The only global state is the
 *     thread-local error message.
 *
 * ABI stability: within one FAIRMOT_ABI_VERSION no function, struct field or
 * enum value is removed or changed; new functions, new enum values and new
 * fields at the end of fairmot_tracker_options (selected by struct_size) may
 * be added. Anything else bumps FAIRMOT_ABI_VERSION and the SONAME
 * (libfairmot.so.<FAIRMOT_ABI_VERSION>).
 */
#ifndef FAIRMOT_FAIRMOT_H
#define FAIRMOT_FAIRMOT_H

#include <stdint.h>

#define FAIRMOT_ABI_VERSION 1

#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(FAIRMOT_BUILDING_LIBRARY)
#    define FAIRMOT_API __declspec(dllexport)
#  else
#    define FAIRMOT_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define FAIRMOT_API __attribute__((visibility("default")))
#else
#  define FAIRMOT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. */
enum {
  FAIRMOT_OK = 0,
  FAIRMOT_E_INVALID_ARGUMENT = 1, /* bad pointer, size, value or option; the message says which */
  FAIRMOT_E_NO_MEMORY = 2,        /* an allocation failed */
  FAIRMOT_E_INTERNAL = 3          /* an unexpected internal failure (a bug: please report it) */
};

/* fairmot_tracker_options.association */
enum {
  FAIRMOT_ASSOC_DEFAULT = 0, /* the official FairMOT association */
  FAIRMOT_ASSOC_BYTE = 1     /* + a third IoU pass with low-score detections (ByteTrack's variant) */
};

/* An opaque tracker: one video stream. */
typedef struct fairmot_tracker fairmot_tracker;

typedef struct {
  uint32_t struct_size; /* sizeof(fairmot_tracker_options): later fields may be added */
  double conf_thres;    /* detections need score > conf_thres (official 0.4) */
  int32_t track_buffer; /* frames at 30 fps a lost track is kept (official 30) */
  double frame_rate;    /* frames per second of the stream, > 0 (official 30) */
  int32_t association;  /* FAIRMOT_ASSOC_DEFAULT or FAIRMOT_ASSOC_BYTE */
  double match_thres;   /* embedding + motion stage threshold (official 0.4) */
  double low_thres;     /* byte association: low_thres < score < conf_thres are low-score detections */
  /* Added in ABI 1 after the first release (a struct_size ending at low_thres is still accepted and
   * leaves these at their defaults). Long-gap re-identification, not in the official tracker: */
  int32_t reid_buffer;  /* frames at 30 fps a forgotten track stays in the re-id gallery; 0 = off (default) */
  double reid_thres;    /* gallery match: embedding cosine distance <= reid_thres (default 0.3) */
} fairmot_tracker_options;

/* One frame's output tracks, in the official order. Owned by the library.
 * The array pointers are never NULL (they are valid for n elements, n may be 0). */
typedef struct {
  int64_t n;                  /* number of tracks output this frame */
  const int64_t *ids;         /* (n) track identities, consecutive per tracker from 1 */
  const double *tlwh;         /* (n, 4) x1, y1, w, h in pixels, from the Kalman state */
  const double *scores;       /* (n) detection score of the track's last update */
  const int64_t *det_index;   /* (n) input row matched this frame */
  const int64_t *class_ids;   /* (n) class of the detection that started each track */
} fairmot_tracks;

/* FAIRMOT_ABI_VERSION of the loaded library. */
FAIRMOT_API uint32_t fairmot_abi_version(void);

/* This thread's last failure message, "" if no call on this thread has failed.
 * Successful calls leave it unchanged. Valid until the next failing call on
 * this thread. */
FAIRMOT_API const char *fairmot_last_error(void);

/* Fills opts with the official defaults (including struct_size). */
FAIRMOT_API void fairmot_tracker_options_init(fairmot_tracker_options *opts);

/* Creates a tracker. opts may be NULL (the official defaults). On success
 * *out is the new tracker, to be freed with fairmot_tracker_destroy. */
FAIRMOT_API int fairmot_tracker_create(const fairmot_tracker_options *opts, fairmot_tracker **out);

/* Frees a tracker. NULL is allowed. */
FAIRMOT_API void fairmot_tracker_destroy(fairmot_tracker *t);

/* Forgets every track and restarts the frame and identity counters. */
FAIRMOT_API int fairmot_tracker_reset(fairmot_tracker *t);

/* Associates one frame of n >= 0 detections (equal to the Python
 * fairmot.tracking.JDETracker.update with float32 arrays). When n == 0 the
 * array pointers may be NULL and dim is ignored. On success *out holds the
 * frame's tracks, to be freed with fairmot_tracks_free. */
FAIRMOT_API int fairmot_tracker_update(fairmot_tracker *t, int64_t n,
                                       const float *boxes_xyxy,  /* (n, 4) x1, y1, x2, y2 pixels */
                                       const float *scores,      /* (n) */
                                       const float *embeddings,  /* (n, dim), L2-normalised */
                                       int64_t dim,
                                       const int64_t *class_ids, /* (n) >= 0, or NULL: all class 0; no stage matches across classes */
                                       fairmot_tracks **out);

/* fairmot_tracker_update after moving every track by the camera motion warp: a 2x3 row-major affine
 * (6 doubles) from the previous frame's pixels to this frame's (equal to the Python
 * JDETracker.update(..., warp=...)). warp NULL or the exact identity: fairmot_tracker_update bit for bit.
 * An invalid warp (not finite, degenerate, out of range) fails with FAIRMOT_E_INVALID_ARGUMENT and
 * leaves the tracker unchanged. */
FAIRMOT_API int fairmot_tracker_update_warped(fairmot_tracker *t, int64_t n, const float *boxes_xyxy,
                                              const float *scores, const float *embeddings, int64_t dim,
                                              const int64_t *class_ids, const double *warp,
                                              fairmot_tracks **out);

/* Frees the result of fairmot_tracker_update. NULL is allowed. */
FAIRMOT_API void fairmot_tracks_free(fairmot_tracks *tracks);

/* Number of frames seen since creation or the last reset; -1 (and a message)
 * for a NULL tracker. */
FAIRMOT_API int64_t fairmot_tracker_frame_id(const fairmot_tracker *t);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FAIRMOT_FAIRMOT_H */
