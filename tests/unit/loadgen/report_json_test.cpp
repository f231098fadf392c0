#include "report_json.h"

#include <gtest/gtest.h>

#include "uac.h"

namespace sipedge::loadgen {
namespace {

TEST(ReportJson, CountsStayExactAndMissingValuesAreNull) {
  EXPECT_EQ(JsonObject("x").number("n", 123456789012.0).number("f", 0.25).null("p").finish(),
            "{\"role\": \"x\", \"n\": 123456789012, \"f\": 0.25, \"p\": null}");
}

TEST(ReportJson, TheUacReportCarriesPercentilesInMilliseconds) {
  UacReport r;
  r.successful = 1234567;
  r.setup_us = {100, 200, 300, 400, 500, 600, 700, 800, 900, 1000};
  const std::string json = uac_report_json(r);
  EXPECT_NE(json.find("\"successful\": 1234567,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"setup_ms_p50\": 0.5,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"setup_ms_p90\": 0.9,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"setup_ms_p99\": 1,"), std::string::npos) << json;
  EXPECT_NE(uac_report_json(UacReport{}).find("\"setup_ms_p50\": null,"), std::string::npos);
}

}  // namespace
}  // namespace sipedge::loadgen
