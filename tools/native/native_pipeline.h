// The whole method natively, with features from the reference VGG-19 convolution: for tests,
// benchmarks and the native command line. (The shipped path streams ONNX Runtime tiles into the
// same Pipeline from JavaScript.)
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/pipeline.h"
#include "vgg_reference.h"

namespace supercolor::reference {

struct StageTimings {
  double segment = 0, features = 0, match = 0, fuse = 0, regrain = 0, upsample = 0;
  double total() const { return segment + features + match + fuse + regrain + upsample; }
};

// Runs every stage of `pipeline` (segment, whole-image features of every layer added as one
// tile, match, fuse, finish, upsample), recording wall time per stage.
void run_pipeline(Pipeline& pipeline, const Vgg19Reference& vgg, StageTimings* timings);

// The same with features from elsewhere: `features(side, layer)` returns the whole-image map of
// one layer (C x Hs x Ws), e.g. ONNX Runtime's maps read from .npy files.
using FeatureSource = std::function<FeatureMap(Side side, const std::string& layer)>;
void run_pipeline(Pipeline& pipeline, const FeatureSource& features, StageTimings* timings);

// Path of ../shared/testdata/<folder>/<stem> with the first extension that exists (.png, .jpg,
// .jpeg; .png when none does), for the benchmarks.
std::string shared_image_path(const std::string& folder, const std::string& stem);

// Nearest-neighbour resize (keeps edges sharp: for upscaling a dev pair into a large image).
RgbImage resize_nearest(const RgbImage& image, int width, int height);

// Reads a C x H x W little-endian float32 .npy file (v1.0-3.0, C order) as a feature map.
FeatureMap read_feature_npy(const std::string& path);

// NumPy .npy (v1.0, little-endian) writer, for --dump style inspection with standard tools.
void write_npy(const std::string& path, const float* data, const std::vector<std::size_t>& shape);
void write_npy(const std::string& path, const int32_t* data, const std::vector<std::size_t>& shape);

}  // namespace supercolor::reference
