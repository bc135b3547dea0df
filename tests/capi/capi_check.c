/* capi_check: checks of the C ABI run from C (built by tests/test_capi.py,
 * also under -fsanitize=address,undefined).
 *
 *   capi_check STREAM.bin
 *
 * STREAM.bin (native endianness): int64 n_frames, int64 dim, then per frame
 * int64 n, float32 boxes (n, 4) x1 y1 x2 y2, float32 scores (n),
 * float32 embeddings (n, dim).
 *
 * Prints the default tracker's output (frame,id,x1,y1,w,h,score,det_index,
 * class_id with %.17g) and runs, exiting 1 with a message on the first failure:
 *   - bad inputs before every 5th frame: each returns its code and a message,
 *     sets *out to NULL and leaves the tracker as it was (the results equal a
 *     tracker that never saw them);
 *   - bad options for fairmot_tracker_create;
 *   - two threads with two trackers (default and byte association), twice
 *     each, equal to the sequential runs.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fairmot/fairmot.h>

typedef struct {
  int64_t n;
  float *boxes, *scores, *emb;
} frame_t;

typedef struct {
  int64_t n;
  int64_t *ids, *det, *cls;
  double *tlwh, *scores;
} result_t;

static int64_t g_frames, g_dim;
static frame_t *g_stream;

#define CHECK(cond, ...)                                      \
  do {                                                        \
    if (!(cond)) {                                            \
      fprintf(stderr, "capi_check:%d: ", __LINE__);           \
      fprintf(stderr, __VA_ARGS__);                           \
      fprintf(stderr, " [last error: %s]\n", fairmot_last_error()); \
      exit(1);                                                \
    }                                                         \
  } while (0)

static void *xmalloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  CHECK(p != NULL, "out of memory");
  return p;
}

static void read_stream(const char *path) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL, "cannot open %s", path);
  CHECK(fread(&g_frames, 8, 1, f) == 1 && fread(&g_dim, 8, 1, f) == 1, "bad header");
  g_stream = xmalloc(sizeof(frame_t) * (size_t)g_frames);
  for (int64_t t = 0; t < g_frames; ++t) {
    frame_t *fr = &g_stream[t];
    CHECK(fread(&fr->n, 8, 1, f) == 1, "bad frame %lld", (long long)t);
    fr->boxes = xmalloc(sizeof(float) * 4 * (size_t)fr->n);
    fr->scores = xmalloc(sizeof(float) * (size_t)fr->n);
    fr->emb = xmalloc(sizeof(float) * (size_t)(fr->n * g_dim));
    CHECK(fread(fr->boxes, sizeof(float), 4 * (size_t)fr->n, f) == 4 * (size_t)fr->n, "short read");
    CHECK(fread(fr->scores, sizeof(float), (size_t)fr->n, f) == (size_t)fr->n, "short read");
    CHECK(fread(fr->emb, sizeof(float), (size_t)(fr->n * g_dim), f) == (size_t)(fr->n * g_dim), "short read");
  }
  fclose(f);
}

static void copy_result(const fairmot_tracks *t, result_t *r) {
  r->n = t->n;
  r->ids = xmalloc(8 * (size_t)t->n);
  r->det = xmalloc(8 * (size_t)t->n);
  r->cls = xmalloc(8 * (size_t)t->n);
  r->tlwh = xmalloc(32 * (size_t)t->n);
  r->scores = xmalloc(8 * (size_t)t->n);
  memcpy(r->ids, t->ids, 8 * (size_t)t->n);
  memcpy(r->det, t->det_index, 8 * (size_t)t->n);
  memcpy(r->cls, t->class_ids, 8 * (size_t)t->n);
  memcpy(r->tlwh, t->tlwh, 32 * (size_t)t->n);
  memcpy(r->scores, t->scores, 8 * (size_t)t->n);
}

static int same_result(const result_t *a, const result_t *b) {
  return a->n == b->n && !memcmp(a->ids, b->ids, 8 * (size_t)a->n) && !memcmp(a->det, b->det, 8 * (size_t)a->n) &&
         !memcmp(a->cls, b->cls, 8 * (size_t)a->n) && !memcmp(a->tlwh, b->tlwh, 32 * (size_t)a->n) &&
         !memcmp(a->scores, b->scores, 8 * (size_t)a->n);
}

static void free_results(result_t *r, int64_t count) {
  for (int64_t t = 0; t < count; ++t) {
    free(r[t].ids);
    free(r[t].det);
    free(r[t].cls);
    free(r[t].tlwh);
    free(r[t].scores);
  }
  free(r);
}

static int64_t *class_column(int64_t n, int64_t value) {
  int64_t *c = xmalloc(8 * (size_t)n);
  for (int64_t i = 0; i < n; ++i) c[i] = value;
  return c;
}

/* Runs the whole stream with class id 7 on every row (one class: the single-class result, class 7 carried). */
static result_t *run_stream(const fairmot_tracker_options *opts) {
  fairmot_tracker *t = NULL;
  CHECK(fairmot_tracker_create(opts, &t) == FAIRMOT_OK && t != NULL, "create failed");
  result_t *res = xmalloc(sizeof(result_t) * (size_t)g_frames);
  for (int64_t k = 0; k < g_frames; ++k) {
    const frame_t *fr = &g_stream[k];
    int64_t *cls = class_column(fr->n, 7);
    fairmot_tracks *out = NULL;
    CHECK(fairmot_tracker_update(t, fr->n, fr->boxes, fr->scores, fr->emb, g_dim, cls, &out) == FAIRMOT_OK,
          "update failed at frame %lld", (long long)k);
    CHECK(out != NULL && out->ids && out->tlwh && out->scores && out->det_index && out->class_ids, "null output");
    for (int64_t i = 0; i < out->n; ++i) CHECK(out->class_ids[i] == 7, "class id not carried");
    copy_result(out, &res[k]);
    fairmot_tracks_free(out);
    free(cls);
  }
  CHECK(fairmot_tracker_frame_id(t) == g_frames, "frame_id %lld", (long long)fairmot_tracker_frame_id(t));
  fairmot_tracker_destroy(t);
  return res;
}

static void expect_error_(int rc, int code, fairmot_tracks *out, const char *needle, const char *what) {
  CHECK(rc == code, "%s: code %d, expected %d", what, rc, code);
  CHECK(out == NULL, "%s: *out not NULL", what);
  CHECK(strstr(fairmot_last_error(), needle) != NULL, "%s: message lacks '%s'", what, needle);
}
/* The call runs before *out is read (argument evaluation order is unspecified). */
#define expect_error(call, code, out, needle, what) \
  do {                                              \
    int rc_ = (call);                               \
    expect_error_(rc_, code, out, needle, what);    \
  } while (0)

static void bad_updates(fairmot_tracker *t, const frame_t *fr, int64_t frame_id) {
  const int64_t n = fr->n > 0 ? fr->n : 1;
  float *boxes = xmalloc(16 * (size_t)n), *scores = xmalloc(4 * (size_t)n), *emb = xmalloc(4 * (size_t)(n * (g_dim + 1)));
  for (int64_t i = 0; i < n; ++i) {
    float b[4] = {10.f, 20.f, 40.f, 90.f};
    memcpy(boxes + 4 * i, b, sizeof b);
    scores[i] = 0.9f;
    for (int64_t d = 0; d < g_dim + 1; ++d) emb[i * (g_dim + 1) + d] = d == 0 ? 1.f : 0.f;
  }
  fairmot_tracks *out = (fairmot_tracks *)&out; /* a non-NULL value that must be overwritten */
  expect_error(fairmot_tracker_update(NULL, n, boxes, scores, emb, g_dim, NULL, &out), 1, out, "tracker is NULL", "NULL tracker");
  CHECK(fairmot_tracker_update(t, n, boxes, scores, emb, g_dim, NULL, NULL) == 1, "NULL out");
  CHECK(strstr(fairmot_last_error(), "out is NULL"), "NULL out message");
  expect_error(fairmot_tracker_update(t, -1, boxes, scores, emb, g_dim, NULL, &out), 1, out, "n must be >= 0", "n < 0");
  expect_error(fairmot_tracker_update(t, n, NULL, scores, emb, g_dim, NULL, &out), 1, out, "boxes_xyxy is NULL", "NULL boxes");
  expect_error(fairmot_tracker_update(t, n, boxes, NULL, emb, g_dim, NULL, &out), 1, out, "scores is NULL", "NULL scores");
  expect_error(fairmot_tracker_update(t, n, boxes, scores, NULL, g_dim, NULL, &out), 1, out, "embeddings is NULL", "NULL emb");
  expect_error(fairmot_tracker_update(t, n, boxes, scores, emb, 0, NULL, &out), 1, out, "dim must be > 0", "dim 0");
  if (frame_id > 10) { /* the stream has live tracks by then */
    expect_error(fairmot_tracker_update(t, n, boxes, scores, emb, g_dim + 1, NULL, &out), 1, out, "differs", "dim mismatch");
  }
  boxes[4 * (n - 1) + 2] = NAN;
  expect_error(fairmot_tracker_update(t, n, boxes, scores, emb, g_dim, NULL, &out), 1, out, "NaN or inf", "NaN box");
  boxes[4 * (n - 1) + 2] = 40.f;
  scores[n - 1] = INFINITY;
  expect_error(fairmot_tracker_update(t, n, boxes, scores, emb, g_dim, NULL, &out), 1, out, "not finite", "inf score");
  scores[n - 1] = 0.9f;
  emb[(n - 1) * g_dim] = NAN;
  expect_error(fairmot_tracker_update(t, n, boxes, scores, emb, g_dim, NULL, &out), 1, out, "not finite", "NaN embedding");
  emb[(n - 1) * g_dim] = 1.f;
  int64_t *cls = class_column(n, 3);
  cls[n - 1] = -1;
  expect_error(fairmot_tracker_update(t, n, boxes, scores, emb, g_dim, cls, &out), 1, out, ">= 0", "negative class");
  free(cls);
  CHECK(fairmot_tracker_frame_id(t) == frame_id, "frame_id changed by a failed call");
  free(boxes);
  free(scores);
  free(emb);
}

static void check_create_errors(void) {
  fairmot_tracker_options o;
  fairmot_tracker *t = (fairmot_tracker *)&o;
  fairmot_tracker_options_init(&o);
  CHECK(o.struct_size == sizeof o && o.conf_thres == 0.4 && o.track_buffer == 30 && o.frame_rate == 30.0 &&
            o.association == FAIRMOT_ASSOC_DEFAULT && o.match_thres == 0.4 && o.low_thres == 0.2,
        "defaults");
  CHECK(fairmot_tracker_create(&o, NULL) == 1 && strstr(fairmot_last_error(), "out is NULL"), "NULL out");
  o.struct_size = sizeof o + 8;
  CHECK(fairmot_tracker_create(&o, &t) == 1 && t == NULL && strstr(fairmot_last_error(), "struct_size"), "struct_size");
  fairmot_tracker_options_init(&o);
  o.association = 2;
  CHECK(fairmot_tracker_create(&o, &t) == 1 && strstr(fairmot_last_error(), "association"), "association");
  fairmot_tracker_options_init(&o);
  o.conf_thres = NAN;
  CHECK(fairmot_tracker_create(&o, &t) == 1 && strstr(fairmot_last_error(), "conf_thres"), "conf_thres");
  fairmot_tracker_options_init(&o);
  o.track_buffer = -1;
  CHECK(fairmot_tracker_create(&o, &t) == 1 && strstr(fairmot_last_error(), "track_buffer"), "track_buffer");
  fairmot_tracker_options_init(&o);
  o.frame_rate = 0;
  CHECK(fairmot_tracker_create(&o, &t) == 1 && strstr(fairmot_last_error(), "frame_rate"), "frame_rate");
  CHECK(fairmot_tracker_reset(NULL) == 1 && strstr(fairmot_last_error(), "NULL"), "reset NULL");
  CHECK(fairmot_tracker_frame_id(NULL) == -1, "frame_id NULL");
  fairmot_tracker_destroy(NULL);
  fairmot_tracks_free(NULL);
  fairmot_tracker_options_init(NULL);
  CHECK(fairmot_tracker_create(NULL, &t) == FAIRMOT_OK && t != NULL, "create with NULL options");
  fairmot_tracker_destroy(t);
}

typedef struct {
  const fairmot_tracker_options *opts;
  const result_t *expected;
  int ok;
} job_t;

static void *thread_main(void *arg) {
  job_t *job = arg;
  job->ok = 1;
  for (int rep = 0; rep < 2; ++rep) {
    result_t *r = run_stream(job->opts);
    for (int64_t k = 0; k < g_frames; ++k) job->ok &= same_result(&r[k], &job->expected[k]);
    free_results(r, g_frames);
  }
  return NULL;
}

int main(int argc, char **argv) {
  CHECK(argc == 2, "usage: capi_check STREAM.bin");
  CHECK(fairmot_abi_version() == FAIRMOT_ABI_VERSION, "ABI version");
  CHECK(strcmp(fairmot_last_error(), "") == 0, "a fresh thread has an empty message");
  read_stream(argv[1]);
  fairmot_tracker_options def, byte;
  fairmot_tracker_options_init(&def);
  fairmot_tracker_options_init(&byte);
  byte.association = FAIRMOT_ASSOC_BYTE;

  result_t *ref = run_stream(&def);
  for (int64_t k = 0; k < g_frames; ++k) {
    for (int64_t i = 0; i < ref[k].n; ++i) {
      const double *b = ref[k].tlwh + 4 * i;
      printf("%lld,%lld,%.17g,%.17g,%.17g,%.17g,%.17g,%lld,%lld\n", (long long)(k + 1), (long long)ref[k].ids[i],
             b[0], b[1], b[2], b[3], ref[k].scores[i], (long long)ref[k].det[i], (long long)ref[k].cls[i]);
    }
  }
  result_t *ref_byte = run_stream(&byte);

  /* Bad calls interleaved with the stream leave no trace. */
  fairmot_tracker *t = NULL;
  CHECK(fairmot_tracker_create(&def, &t) == FAIRMOT_OK, "create");
  for (int64_t k = 0; k < g_frames; ++k) {
    const frame_t *fr = &g_stream[k];
    if (k % 5 == 3) bad_updates(t, fr, k);
    int64_t *cls = class_column(fr->n, 7);
    fairmot_tracks *out = NULL;
    CHECK(fairmot_tracker_update(t, fr->n, fr->boxes, fr->scores, fr->emb, g_dim, cls, &out) == FAIRMOT_OK, "update");
    result_t r;
    copy_result(out, &r);
    CHECK(same_result(&r, &ref[k]), "frame %lld differs after failed calls", (long long)k);
    free(r.ids); free(r.det); free(r.cls); free(r.tlwh); free(r.scores);
    fairmot_tracks_free(out);
    free(cls);
  }
  /* reset: the same stream gives the same results again. */
  CHECK(fairmot_tracker_reset(t) == FAIRMOT_OK && fairmot_tracker_frame_id(t) == 0, "reset");
  for (int64_t k = 0; k < g_frames; ++k) {
    const frame_t *fr = &g_stream[k];
    int64_t *cls = class_column(fr->n, 7);
    fairmot_tracks *out = NULL;
    CHECK(fairmot_tracker_update(t, fr->n, fr->boxes, fr->scores, fr->emb, g_dim, cls, &out) == FAIRMOT_OK, "update");
    result_t r;
    copy_result(out, &r);
    CHECK(same_result(&r, &ref[k]), "frame %lld differs after reset", (long long)k);
    free(r.ids); free(r.det); free(r.cls); free(r.tlwh); free(r.scores);
    fairmot_tracks_free(out);
    free(cls);
  }
  fairmot_tracker_destroy(t);
  check_create_errors();

  /* Two trackers in two threads equal the sequential runs. */
  job_t jobs[2] = {{&def, ref, 0}, {&byte, ref_byte, 0}};
  pthread_t th[2];
  for (int i = 0; i < 2; ++i) CHECK(pthread_create(&th[i], NULL, thread_main, &jobs[i]) == 0, "pthread_create");
  for (int i = 0; i < 2; ++i) pthread_join(th[i], NULL);
  CHECK(jobs[0].ok && jobs[1].ok, "threaded runs differ from the sequential ones");
  /* The error message is per thread: another thread's failure does not show here. */

  free_results(ref, g_frames);
  free_results(ref_byte, g_frames);
  for (int64_t k = 0; k < g_frames; ++k) {
    free(g_stream[k].boxes);
    free(g_stream[k].scores);
    free(g_stream[k].emb);
  }
  free(g_stream);
  fprintf(stderr, "capi_check: all checks passed\n");
  return 0;
}
