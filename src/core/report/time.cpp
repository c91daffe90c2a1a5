#include "gracepack/core/report/time.hpp"

#include <cstdio>

#include "gracepack/core/base/text.hpp"

namespace gracepack::report {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for every date of the log.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

std::optional<int> field(std::string_view s, std::size_t at, std::size_t len, int min, int max) {
  if (s.size() < at + len) return std::nullopt;
  auto v = text::parse_int(s.substr(at, len), min, max);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

Status parse_clock(std::string_view s, CivilTime& t) {
  auto h = field(s, 0, 2, 0, 23), m = field(s, 3, 2, 0, 59);
  if (!h || !m || s[2] != ':' || (s.size() != 5 && s.size() != 8))
    return fail("expected HH:MM or HH:MM:SS");
  t.hour = *h, t.minute = *m;
  if (s.size() == 8) {
    auto sec = field(s, 6, 2, 0, 59);
    if (!sec || s[5] != ':') return fail("expected HH:MM:SS");
    t.second = *sec;
  }
  return Ok{};
}

}  // namespace

Result<DateArg> parse_date(std::string_view s) {
  const std::string shown = "'" + std::string(s) + "'";
  DateArg d;
  if (!s.empty() && s.front() == '@') {
    auto v = text::parse_int(s.substr(1), 0, 253402300799);  // up to year 9999
    if (!v) return fail(shown + ": expected @SECONDS since the epoch");
    d.epoch = *v;
    return d;
  }
  if (!s.empty() && s.back() == 'Z') d.utc = true, s.remove_suffix(1);
  auto y = field(s, 0, 4, 1970, 9999), mo = field(s, 5, 2, 1, 12);
  auto day = field(s, 8, 2, 1, 31);
  if (!y || !mo || !day || s[4] != '-' || s[7] != '-' || *day > days_in_month(*y, *mo))
    return fail(shown + ": expected a date such as 2026-11-30, 2026-11-30T08:00 or @1796001432");
  d.civil = CivilTime{*y, *mo, *day};
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != ' ') return fail(shown + ": expected 'T' after the date");
    if (auto st = parse_clock(s.substr(11), d.civil); !st)
      return fail(shown + ": " + st.error().message);
  }
  return d;
}

std::int64_t epoch_from_utc(const CivilTime& t) {
  return days_from_civil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day)) *
             86400 +
         t.hour * 3600 + t.minute * 60 + t.second;
}

CivilTime utc_from_epoch(std::int64_t t) {
  std::int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) secs += 86400, --days;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2);
  return CivilTime{static_cast<int>(year),
                   static_cast<int>(month),
                   static_cast<int>(doy - (153 * mp + 2) / 5 + 1),
                   static_cast<int>(secs / 3600),
                   static_cast<int>(secs % 3600 / 60),
                   static_cast<int>(secs % 60)};
}

std::string format_civil(const CivilTime& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

std::string format_utc(std::int64_t t) {
  return format_civil(utc_from_epoch(t));
}

}  // namespace gracepack::report
