// REFERENCE ONLY (see vgg_reference.h): straightforward VGG-19 early layers for native tests and
// benchmarks. im2col + Eigen GEMM per band of rows, so it is fast enough for full-size photos.
#include "vgg_reference.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "core/layers.h"

namespace supercolor::reference {
namespace {

struct ConvSpec {
  const char* shard;
  int in, out;
};
// block1_conv1, block1_conv2, block2_conv1, block2_conv2, block3_conv1 (model.json order).
constexpr ConvSpec kConvs[] = {{"group1-shard1of1", 3, 64},
                               {"group2-shard1of1", 64, 64},
                               {"group3-shard1of1", 64, 128},
                               {"group4-shard1of1", 128, 128},
                               {"group5-shard1of1", 128, 256}};

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// 3x3 convolution, zero padding 1, + bias, then ReLU. in/out are channel-planar.
FeatureMap conv3x3_relu(const FeatureMap& in, int out_channels, const RowMajor& weights,
                        const std::vector<float>& bias, const Context& ctx) {
  const int h = in.height, w = in.width, cin = in.channels;
  FeatureMap out{out_channels, h, w, std::vector<float>(std::size_t(out_channels) * h * w)};
  const std::size_t plane = std::size_t(h) * w;
  const int band_rows = std::max(1, 8192 / std::max(w, 1));
  parallel_for(ctx, 0, std::size_t(h), std::size_t(band_rows), [&](std::size_t r0, std::size_t r1) {
    const int rows = int(r1 - r0);
    const std::size_t pixels = std::size_t(rows) * w;
    RowMajor columns(cin * 9, pixels);  // im2col: row (ci, ky, kx), column = pixel of the band
    for (int ci = 0; ci < cin; ++ci) {
      const float* src = in.data.data() + std::size_t(ci) * plane;
      for (int ky = 0; ky < 3; ++ky) {
        for (int kx = 0; kx < 3; ++kx) {
          float* dst = columns.row(ci * 9 + ky * 3 + kx).data();
          for (int r = 0; r < rows; ++r) {
            const int y = int(r0) + r + ky - 1;
            float* dst_row = dst + std::size_t(r) * w;
            if (y < 0 || y >= h) {
              std::fill(dst_row, dst_row + w, 0.0f);
              continue;
            }
            for (int x = 0; x < w; ++x) {
              const int sx = x + kx - 1;
              dst_row[x] = (sx < 0 || sx >= w) ? 0.0f : src[std::size_t(y) * w + sx];
            }
          }
        }
      }
    }
    Eigen::Map<RowMajor, 0, Eigen::OuterStride<>> result(out.data.data() + r0 * w, out_channels,
                                                         pixels, Eigen::OuterStride<>(plane));
    result.noalias() = weights * columns;
    for (int co = 0; co < out_channels; ++co) {
      for (std::size_t p = 0; p < pixels; ++p) {
        result(co, p) = std::max(0.0f, result(co, p) + bias[co]);
      }
    }
  });
  return out;
}

// 2x2 max pooling, stride 2, floor.
FeatureMap max_pool(const FeatureMap& in) {
  FeatureMap out{in.channels, in.height / 2, in.width / 2, {}};
  out.data.resize(std::size_t(out.channels) * out.height * out.width);
  for (int c = 0; c < in.channels; ++c) {
    const float* src = in.data.data() + std::size_t(c) * in.height * in.width;
    float* dst = out.data.data() + std::size_t(c) * out.height * out.width;
    for (int y = 0; y < out.height; ++y) {
      for (int x = 0; x < out.width; ++x) {
        const float* p = src + std::size_t(2 * y) * in.width + 2 * x;
        dst[std::size_t(y) * out.width + x] =
            std::max(std::max(p[0], p[1]), std::max(p[in.width], p[in.width + 1]));
      }
    }
  }
  return out;
}

}  // namespace

std::string Vgg19Reference::default_model_dir() {
  return std::string(SUPERCOLOR_SHARED_DIR) + "/models/vgg19-tfjs";
}

Vgg19Reference::Vgg19Reference(const std::string& model_dir) {
  for (const ConvSpec& spec : kConvs) {
    const std::string path = model_dir + "/" + spec.shard;
    std::ifstream file(path, std::ios::binary);
    if (!file) throw Error(ErrorCode::kInvalidArgument, "cannot open " + path);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                  std::istreambuf_iterator<char>());
    const std::size_t kernel_size = std::size_t(9) * spec.in * spec.out;
    if (bytes.size() != 4 * (kernel_size + spec.out)) {
      throw Error(ErrorCode::kInvalidArgument, path + " has an unexpected size");
    }
    Conv conv;
    conv.in = spec.in;
    conv.out = spec.out;
    conv.kernel.resize(kernel_size);
    conv.bias.resize(spec.out);
    std::memcpy(conv.kernel.data(), bytes.data(), 4 * kernel_size);  // little-endian host
    std::memcpy(conv.bias.data(), bytes.data() + 4 * kernel_size, 4 * spec.out);
    convs_.push_back(std::move(conv));
  }
}

FeatureMap Vgg19Reference::features(const RgbImage& image, const std::string& layer,
                                    const Context& ctx) const {
  validate_image(image, "image");
  const LayerInfo* info = find_layer(layer);
  if (info == nullptr) throw Error(ErrorCode::kInvalidArgument, "unknown layer " + layer);
  // Caffe preprocessing: RGB -> BGR, x255, minus the ImageNet mean (then zero padding).
  const float mean_bgr[3] = {103.939f, 116.779f, 123.68f};
  FeatureMap x{3, image.height, image.width, {}};
  const std::size_t plane = image.pixel_count();
  x.data.resize(3 * plane);
  for (std::size_t p = 0; p < plane; ++p) {
    for (int c = 0; c < 3; ++c)
      x.data[c * plane + p] = image.rgb[3 * p + (2 - c)] * 255.0f - mean_bgr[c];
  }
  const auto run = [&](int index, const FeatureMap& input) {
    const Conv& conv = convs_[index];
    RowMajor weights(conv.out, conv.in * 9);
    for (int ky = 0; ky < 3; ++ky)
      for (int kx = 0; kx < 3; ++kx)
        for (int ci = 0; ci < conv.in; ++ci)
          for (int co = 0; co < conv.out; ++co)
            weights(co, ci * 9 + ky * 3 + kx) =
                conv.kernel[((std::size_t(ky) * 3 + kx) * conv.in + ci) * conv.out + co];
    return conv3x3_relu(input, conv.out, weights, conv.bias, ctx);
  };
  FeatureMap relu1_2 = run(1, run(0, x));
  if (layer == "relu1_2") return relu1_2;
  FeatureMap relu2_1 = run(2, max_pool(relu1_2));
  if (layer == "relu2_1") return relu2_1;
  FeatureMap relu2_2 = run(3, relu2_1);
  if (layer == "relu2_2") return relu2_2;
  return run(4, max_pool(relu2_2));  // relu3_1
}

}  // namespace supercolor::reference
