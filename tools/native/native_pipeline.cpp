#include "native_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

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
  const Context ctx{pipeline.params().threads, nullptr};
  run_pipeline(
      pipeline,
      [&](Side side, const std::string& layer) {
        return vgg.features(pipeline.image(side), layer, ctx);
      },
      timings);
}

void run_pipeline(Pipeline& pipeline, const FeatureSource& features, StageTimings* timings) {
  StageTimings local;
  StageTimings& t = timings != nullptr ? *timings : local;

  auto start = std::chrono::steady_clock::now();
  pipeline.segment();
  t.segment = seconds_since(start);

  start = std::chrono::steady_clock::now();
  const auto& layers = pipeline.params().layers;
  for (Side side : {Side::kTarget, Side::kReference}) {
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const FeatureMap map = features(side, layers[l]);
      const int expected_c = find_layer(layers[l])->channels;
      const int expected_h = pipeline.feature_map_height(side, int(l));
      const int expected_w = pipeline.feature_map_width(side, int(l));
      if (map.channels != expected_c || map.height != expected_h || map.width != expected_w ||
          map.data.size() != std::size_t(map.channels) * map.height * map.width) {
        throw Error(ErrorCode::kInvalidArgument,
                    layers[l] + " features of the " +
                        (side == Side::kTarget ? std::string("target") : std::string("reference")) +
                        " are " + std::to_string(map.channels) + "x" + std::to_string(map.height) +
                        "x" + std::to_string(map.width) + ", expected " +
                        std::to_string(expected_c) + "x" + std::to_string(expected_h) + "x" +
                        std::to_string(expected_w));
      }
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

  start = std::chrono::steady_clock::now();
  pipeline.upsample();
  t.upsample = seconds_since(start);
}

FeatureMap read_feature_npy(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(ErrorCode::kDecodeFailed, "cannot read " + path);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto bad = [&](const std::string& why) -> Error {
    return Error(ErrorCode::kDecodeFailed, path + ": " + why);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw bad("not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_length = 0, offset = 0;
  if (major == 1) {
    header_length =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw bad("truncated header");
    for (int i = 3; i >= 0; --i)
      header_length = (header_length << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    throw bad("unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_length) throw bad("truncated header");
  const std::string header = bytes.substr(offset, header_length);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")) || m[1] != "<f4") {
    throw bad("expected float32 ('<f4') data");
  }
  if (std::regex_search(header, m, std::regex("'fortran_order':\\s*True")))
    throw bad("Fortran order is not supported");
  if (!std::regex_search(
          header, m,
          std::regex("'shape':\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,?\\s*\\)"))) {
    throw bad("expected a 3-d shape (C, H, W)");
  }
  FeatureMap map;
  map.channels = std::stoi(m[1]);
  map.height = std::stoi(m[2]);
  map.width = std::stoi(m[3]);
  const std::size_t count = std::size_t(map.channels) * map.height * map.width;
  const std::size_t data_offset = offset + header_length;
  if (bytes.size() != data_offset + 4 * count) {
    throw bad("holds " + std::to_string(bytes.size() - data_offset) + " data bytes, expected " +
              std::to_string(4 * count));
  }
  map.data.resize(count);
  std::memcpy(map.data.data(), bytes.data() + data_offset, 4 * count);
  return map;
}

std::string shared_image_path(const std::string& folder, const std::string& stem) {
  const std::string base = std::string(SUPERCOLOR_SHARED_DIR) + "/testdata/" + folder + "/" + stem;
  for (const char* ext : {".png", ".jpg", ".jpeg"}) {
    if (std::filesystem::exists(base + ext)) return base + ext;
  }
  return base + ".png";
}

RgbImage resize_nearest(const RgbImage& image, int width, int height) {
  RgbImage out{width, height, std::vector<float>(3 * std::size_t(width) * height)};
  for (int y = 0; y < height; ++y) {
    const int sy = std::min(image.height - 1, y * image.height / height);
    for (int x = 0; x < width; ++x) {
      const int sx = std::min(image.width - 1, x * image.width / width);
      std::copy_n(&image.rgb[3 * (std::size_t(sy) * image.width + sx)], 3,
                  &out.rgb[3 * (std::size_t(y) * width + x)]);
    }
  }
  return out;
}

}  // namespace supercolor::reference
