// track_stream: runs fairmot's JDETracker over a detection stream read from a
// text file and prints MOT Challenge result lines.
//
// Input, one detection per line (blank lines and lines starting with '#'
// are skipped), frames numbered from 1 in increasing order:
//   frame x1 y1 x2 y2 score e_0 ... e_{D-1}
// Output, one line per output track and frame:
//   frame,id,x1,y1,w,h,score,-1,-1,-1
//
// Usage: track_stream DETECTIONS.txt [conf_thres] [frame_rate]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "fairmot/tracker/jde_tracker.hpp"

namespace {

struct Frame {
  std::vector<double> tlwh, scores;
  std::vector<float> features;
  int64_t dim = 0;
  int64_t n() const { return static_cast<int64_t>(scores.size()); }
};

void emit(int64_t frame, const std::vector<fairmot::OutputTrack>& tracks) {
  for (const auto& t : tracks) {
    std::printf("%lld,%lld,%.17g,%.17g,%.17g,%.17g,%.17g,-1,-1,-1\n", static_cast<long long>(frame),
                static_cast<long long>(t.id), t.tlwh[0], t.tlwh[1], t.tlwh[2], t.tlwh[3], t.score);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " DETECTIONS.txt [conf_thres] [frame_rate]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "cannot open " << argv[1] << "\n";
    return 2;
  }
  fairmot::TrackerOptions options;
  if (argc > 2) options.conf_thres = std::atof(argv[2]);
  if (argc > 3) options.frame_rate = std::atof(argv[3]);
  fairmot::JDETracker tracker(options);

  std::vector<Frame> frames;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    int64_t frame;
    double x1, y1, x2, y2, score;
    if (!(ss >> frame >> x1 >> y1 >> x2 >> y2 >> score) || frame < 1) {
      std::cerr << argv[1] << ":" << line_no << ": expected 'frame x1 y1 x2 y2 score e...'\n";
      return 2;
    }
    if (static_cast<int64_t>(frames.size()) < frame) frames.resize(frame);
    Frame& f = frames[frame - 1];
    std::vector<float> e;
    float v;
    while (ss >> v) e.push_back(v);
    if (f.dim == 0) f.dim = static_cast<int64_t>(e.size());
    if (e.empty() || static_cast<int64_t>(e.size()) != f.dim) {
      std::cerr << argv[1] << ":" << line_no << ": embedding length differs within the frame\n";
      return 2;
    }
    f.tlwh.insert(f.tlwh.end(), {x1, y1, x2 - x1, y2 - y1});
    f.scores.push_back(score);
    f.features.insert(f.features.end(), e.begin(), e.end());
  }

  try {
    for (size_t k = 0; k < frames.size(); ++k) {
      const Frame& f = frames[k];
      fairmot::DetectionBatch batch;
      batch.n = f.n();
      batch.tlwh = f.tlwh.data();
      batch.scores = f.scores.data();
      batch.features = f.features.data();
      batch.dim = f.dim;
      emit(static_cast<int64_t>(k) + 1, tracker.update(batch));
    }
  } catch (const std::exception& e) {
    std::cerr << "tracking failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
