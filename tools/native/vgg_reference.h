// REFERENCE ONLY: a plain VGG-19 forward pass (block1_conv1 .. block3_conv1) for native tests
// and benchmarks. The shipped feature path is the ONNX model run by ONNX Runtime; this code is
// an independent check of it and lets the native pipeline run without ONNX Runtime.
//
// Weights: ../shared/models/vgg19-tfjs (TF.js shards: raw little-endian float32, kernels HWIO
// [3,3,in,out] then bias [out]). Input convention of the weights: BGR, 0-255, minus the mean
// (103.939, 116.779, 123.68); 3x3 convolutions with zero padding 1, ReLU, 2x2 max-pool stride 2
// (floor).
#pragma once

#include <string>
#include <vector>

#include "core/image.h"
#include "core/parallel.h"

namespace supercolor::reference {

struct FeatureMap {
  int channels = 0, height = 0, width = 0;
  std::vector<float> data;  // channel-planar C x H x W (as ONNX NCHW without the batch)
};

class Vgg19Reference {
 public:
  // Reads the shards from `model_dir` (default: ../shared/models/vgg19-tfjs).
  explicit Vgg19Reference(const std::string& model_dir = default_model_dir());
  static std::string default_model_dir();

  // Output of one of relu1_2, relu2_1, relu2_2, relu3_1 for the whole image.
  FeatureMap features(const RgbImage& image, const std::string& layer, const Context& ctx) const;

  // First biases of block1_conv1, for loader checks.
  const std::vector<float>& conv1_1_bias() const { return convs_[0].bias; }

 private:
  struct Conv {
    int in = 0, out = 0;
    std::vector<float> kernel;  // HWIO
    std::vector<float> bias;
  };
  std::vector<Conv> convs_;  // block1_conv1, block1_conv2, block2_conv1, block2_conv2, block3_conv1
};

}  // namespace supercolor::reference
