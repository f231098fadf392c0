// The roles' reports as one flat JSON object of numbers, which bench/cps.sh
// and the e2e tests read (step_stats.py, loadgen_field).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace sipedge::loadgen {

class JsonObject {
 public:
  explicit JsonObject(std::string_view role) : text_("{\"role\": \"" + std::string(role) + "\"") {}

  JsonObject& number(const char* name, double value) {
    char field[96];
    // %.15g: counts stay exact (a double holds integers to 2^53).
    std::snprintf(field, sizeof field, ", \"%s\": %.15g", name, value);
    text_ += field;
    return *this;
  }
  JsonObject& null(const char* name) {
    text_ += std::string(", \"") + name + "\": null";
    return *this;
  }
  std::string finish() const { return text_ + "}"; }

 private:
  std::string text_;
};

}  // namespace sipedge::loadgen
