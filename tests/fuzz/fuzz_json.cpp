// The audit log's lines as gracepack-report reads them (a log the admin may let others append to):
// one JSON object per line. Any line is read or refused with the byte it failed at; every string
// it accepted decodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "gracepack/core/report/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gracepack::json;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  std::vector<Member> members;
  if (!read_object(line, members)) return 0;
  std::string out;
  for (const Member& m : members) {
    if (m.kind == Kind::String) {
      decode_string(m.raw, out);
      if (!m.escaped && out != m.raw) std::abort();
    }
  }
  return 0;
}
