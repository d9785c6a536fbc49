#include "native_pipeline.h"

#include <chrono>
#include <fstream>

#include "core/error.h"
#include "core/layers.h"

namespace supercolor::reference {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void write_npy_raw(const std::string& path, const char* descr, const void* data,
                   std::size_t element_size, const std::vector<std::size_t>& shape) {
  std::string shape_text = "(";
  std::size_t count = 1;
  for (std::size_t dim : shape) {
    shape_text += std::to_string(dim) + ",";
    count *= dim;
  }
  if (shape.size() > 1) shape_text.pop_back();
  shape_text += ")";
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape_text + ", }";
  // Pad so that magic (6) + version (2) + length (2) + header is a multiple of 64.
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream file(path, std::ios::binary);
  if (!file) throw Error(ErrorCode::kEncodeFailed, "cannot write " + path);
  file.write("\x93NUMPY\x01\x00", 8);
  const uint16_t length = static_cast<uint16_t>(header.size());
  const char length_bytes[2] = {char(length & 0xFF), char(length >> 8)};
  file.write(length_bytes, 2);
  file.write(header.data(), std::streamsize(header.size()));
  file.write(static_cast<const char*>(data), std::streamsize(count * element_size));
  if (!file) throw Error(ErrorCode::kEncodeFailed, "cannot write " + path);
}

}  // namespace

void write_npy(const std::string& path, const float* data, const std::vector<std::size_t>& shape) {
  write_npy_raw(path, "<f4", data, 4, shape);
}
void write_npy(const std::string& path, const int32_t* data,
               const std::vector<std::size_t>& shape) {
  write_npy_raw(path, "<i4", data, 4, shape);
}

void run_pipeline(Pipeline& pipeline, const Vgg19Reference& vgg, StageTimings* timings) {
  StageTimings local;
  StageTimings& t = timings != nullptr ? *timings : local;
  const Context ctx{pipeline.params().threads, nullptr};

  auto start = std::chrono::steady_clock::now();
  pipeline.segment();
  t.segment = seconds_since(start);

  start = std::chrono::steady_clock::now();
  const auto& layers = pipeline.params().layers;
  for (Side side : {Side::kTarget, Side::kReference}) {
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const FeatureMap map = vgg.features(pipeline.image(side), layers[l], ctx);
      pipeline.add_feature_tile(side, int(l), 0, 0, map.height, map.width, map.data.data(),
                                std::size_t(map.width), std::size_t(map.width) * map.height);
    }
  }
  t.features = seconds_since(start);

  start = std::chrono::steady_clock::now();
  pipeline.match();
  t.match = seconds_since(start);

  start = std::chrono::steady_clock::now();
  pipeline.fuse();
  t.fuse = seconds_since(start);

  start = std::chrono::steady_clock::now();
  pipeline.finish();
  t.regrain = seconds_since(start);
}

}  // namespace supercolor::reference
