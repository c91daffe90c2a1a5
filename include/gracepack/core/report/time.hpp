// Dates for gracepack-report: --since/--until as people write them, and times as it prints them.
// Pure arithmetic on the proleptic Gregorian calendar; the local time zone is the tool's business.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gracepack/core/base/result.hpp"

namespace gracepack::report {

struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

// A date argument: "@EPOCH" (seconds), or "YYYY-MM-DD" optionally followed by "THH:MM[:SS]" or
// " HH:MM[:SS]", with a final "Z" for UTC. Without "Z" the civil time is local: the caller
// converts it (utc == false).
struct DateArg {
  std::optional<std::int64_t> epoch;
  CivilTime civil;
  bool utc = false;
};
Result<DateArg> parse_date(std::string_view s);

std::int64_t epoch_from_utc(const CivilTime& t);
CivilTime utc_from_epoch(std::int64_t t);

// Renders an epoch time as "YYYY-MM-DD HH:MM:SS": the report's formatters rely on that shape.
using TimeFormatter = std::function<std::string(std::int64_t)>;
std::string format_civil(const CivilTime& t);
std::string format_utc(std::int64_t t);

}  // namespace gracepack::report
