// libFuzzer entry point: bytes -> check_model_bytes (parse_target.hpp). A broken promise
// aborts with its description, so libFuzzer saves the input as a crash; sanitizers, its
// -timeout and -rss_limit_mb catch the rest (crashes, leaks, hangs, runaway memory).
#include "tests/fuzz/parse_target.hpp"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    if (const auto problem = symdiff::fuzz::check_model_bytes(bytes)) {
        std::fprintf(stderr, "symdiff fuzz finding: %s\n", problem->c_str());
        std::abort();
    }
    return 0;
}
