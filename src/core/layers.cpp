#include "layers.h"

namespace supercolor {

const std::vector<LayerInfo>& all_layers() {
  static const std::vector<LayerInfo> kLayers = {
      {"relu1_2", 64, 1}, {"relu2_1", 128, 2}, {"relu2_2", 128, 2}, {"relu3_1", 256, 4}};
  return kLayers;
}

const LayerInfo* find_layer(const std::string& name) {
  for (const LayerInfo& layer : all_layers()) {
    if (name == layer.name) return &layer;
  }
  return nullptr;
}

}  // namespace supercolor
