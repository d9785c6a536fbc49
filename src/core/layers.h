// The VGG-19 layers the method can read (method.md §1.2).
#pragma once

#include <string>
#include <vector>

namespace supercolor {

struct LayerInfo {
  const char* name;
  int channels;
  int stride;
};

// relu1_2 (64, 1), relu2_1 (128, 2), relu2_2 (128, 2), relu3_1 (256, 4); nullptr if unknown.
const LayerInfo* find_layer(const std::string& name);

// Every layer above, in that order (the one table of layers).
const std::vector<LayerInfo>& all_layers();

}  // namespace supercolor
