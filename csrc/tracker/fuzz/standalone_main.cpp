// A main() for the fuzz target where libFuzzer is not available (GCC, or a clang without its
// runtime): replays the files given (corpus files, or every file of a corpus folder), then runs
// random inputs.
//   fairmot_fuzz_tracker_replay [--runs N] [--seed S] [--max-len L] [file or folder ...]
// Exit status 0 when every input passed; an invariant failure or sanitizer report aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  long long runs = 0;
  unsigned long long seed = 1;
  size_t max_len = 512;
  std::vector<std::string> paths;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if ((a == "--runs" || a == "--seed" || a == "--max-len") && k + 1 < argc) {
      const char* v = argv[++k];
      if (a == "--runs") runs = std::atoll(v);
      if (a == "--seed") seed = std::strtoull(v, nullptr, 10);
      if (a == "--max-len") max_len = static_cast<size_t>(std::atoll(v));
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "usage: %s [--runs N] [--seed S] [--max-len L] [file or folder ...]\n", argv[0]);
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  long long replayed = 0;
  for (const std::string& p : paths) {
    if (std::filesystem::is_directory(p)) {
      for (const auto& entry : std::filesystem::directory_iterator(p)) {
        if (entry.is_regular_file()) {
          run_file(entry.path());
          ++replayed;
        }
      }
    } else {
      run_file(p);
      ++replayed;
    }
  }
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> buf;
  for (long long i = 0; i < runs; ++i) {
    buf.resize(static_cast<size_t>(rng() % (max_len + 1)));
    for (uint8_t& b : buf) b = static_cast<uint8_t>(rng());
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::printf("fuzz_tracker: %lld corpus inputs and %lld random inputs passed (seed %llu)\n", replayed, runs, seed);
  return 0;
}
