/* track_stream (C): runs fairmot's tracker through the C ABI (libfairmot)
 * over a detection stream read from a text file and prints MOT Challenge
 * result lines. The same input and output as examples/cpp.
 *
 * Input, one detection per line (blank lines and lines starting with '#'
 * are skipped), frames numbered from 1 in increasing order:
 *   frame x1 y1 x2 y2 score e_0 ... e_{D-1}
 * Output, one line per output track and frame:
 *   frame,id,x1,y1,w,h,score,-1,-1,-1
 *
 * Usage: track_stream_c DETECTIONS.txt [conf_thres] [frame_rate]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fairmot/fairmot.h>

typedef struct {
  int64_t n, cap, dim;
  float *boxes, *scores, *emb;
} frame_buf;

static int reserve(frame_buf *f, int64_t need, int64_t dim) {
  if (need <= f->cap) return 0;
  int64_t cap = f->cap ? 2 * f->cap : 64;
  while (cap < need) cap *= 2;
  float *b = realloc(f->boxes, (size_t)cap * 4 * sizeof(float));
  if (b) f->boxes = b;
  float *s = realloc(f->scores, (size_t)cap * sizeof(float));
  if (s) f->scores = s;
  float *e = realloc(f->emb, (size_t)(cap * dim) * sizeof(float));
  if (e) f->emb = e;
  if (!b || !s || !e) return -1;
  f->cap = cap;
  return 0;
}

static int run_frame(fairmot_tracker *t, int64_t frame, const frame_buf *f) {
  fairmot_tracks *out = NULL;
  if (fairmot_tracker_update(t, f->n, f->boxes, f->scores, f->emb, f->dim, NULL, &out) != FAIRMOT_OK) {
    fprintf(stderr, "tracking failed at frame %lld: %s\n", (long long)frame, fairmot_last_error());
    return -1;
  }
  for (int64_t i = 0; i < out->n; ++i) {
    const double *b = out->tlwh + 4 * i;
    printf("%lld,%lld,%.17g,%.17g,%.17g,%.17g,%.17g,-1,-1,-1\n", (long long)frame, (long long)out->ids[i], b[0],
           b[1], b[2], b[3], out->scores[i]);
  }
  fairmot_tracks_free(out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DETECTIONS.txt [conf_thres] [frame_rate]\n", argv[0]);
    return 2;
  }
  if (fairmot_abi_version() != FAIRMOT_ABI_VERSION) {
    fprintf(stderr, "libfairmot ABI %u, this program needs %d\n", fairmot_abi_version(), FAIRMOT_ABI_VERSION);
    return 2;
  }
  FILE *in = fopen(argv[1], "r");
  if (!in) {
    fprintf(stderr, "cannot open %s\n", argv[1]);
    return 2;
  }
  fairmot_tracker_options opts;
  fairmot_tracker_options_init(&opts);
  if (argc > 2) opts.conf_thres = atof(argv[2]);
  if (argc > 3) opts.frame_rate = atof(argv[3]);
  fairmot_tracker *tracker = NULL;
  if (fairmot_tracker_create(&opts, &tracker) != FAIRMOT_OK) {
    fprintf(stderr, "cannot create the tracker: %s\n", fairmot_last_error());
    fclose(in);
    return 2;
  }

  frame_buf f = {0, 0, 0, NULL, NULL, NULL};
  int64_t current = 1, line_no = 0;
  int rc = 0;
  char *line = NULL;
  size_t line_cap = 0;
  float *e = NULL;
  int64_t e_cap = 0;
  while (rc == 0 && getline(&line, &line_cap, in) != -1) {
    ++line_no;
    if (line[0] == '\n' || line[0] == '\0' || line[0] == '#') continue;
    char *p = line, *end;
    errno = 0;
    long long frame = strtoll(p, &end, 10);
    float v[5];
    int ok = end != p && frame >= current;
    for (int k = 0; ok && k < 5; ++k) {
      p = end;
      v[k] = strtof(p, &end);
      ok = end != p;
    }
    int64_t d = 0;
    while (ok) {
      p = end;
      float x = strtof(p, &end);
      if (end == p) break;
      if (d == e_cap) {
        e_cap = e_cap ? 2 * e_cap : 128;
        float *grown = realloc(e, (size_t)e_cap * sizeof(float));
        if (!grown) {
          ok = 0;
          break;
        }
        e = grown;
      }
      e[d++] = x;
    }
    if (!ok || d == 0) {
      fprintf(stderr, "%s:%lld: expected 'frame x1 y1 x2 y2 score e...'\n", argv[1], (long long)line_no);
      rc = 2;
      break;
    }
    while (current < frame) { /* finish the current frame; frames without lines are empty */
      if (run_frame(tracker, current, &f) != 0) rc = 1;
      f.n = 0;
      f.dim = 0;
      ++current;
    }
    if (rc) break;
    if (f.n > 0 && d != f.dim) {
      fprintf(stderr, "%s:%lld: embedding length differs within the frame\n", argv[1], (long long)line_no);
      rc = 2;
      break;
    }
    if (f.n == 0 && d != f.dim) { /* a new dimension: the buffer is re-laid out */
      free(f.emb);
      f.emb = NULL;
      f.cap = 0;
      f.dim = d;
    }
    if (reserve(&f, f.n + 1, d) != 0) {
      fprintf(stderr, "out of memory\n");
      rc = 1;
      break;
    }
    memcpy(f.boxes + 4 * f.n, v, 4 * sizeof(float));
    f.scores[f.n] = v[4];
    memcpy(f.emb + f.n * d, e, (size_t)d * sizeof(float));
    ++f.n;
  }
  if (rc == 0 && f.n > 0 && run_frame(tracker, current, &f) != 0) rc = 1;
  free(line);
  free(e);
  free(f.boxes);
  free(f.scores);
  free(f.emb);
  fclose(in);
  fairmot_tracker_destroy(tracker);
  return rc;
}
