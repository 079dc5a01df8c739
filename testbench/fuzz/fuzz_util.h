/* SPDX-License-Identifier: Apache-2.0 */
// Shared by the libFuzzer harnesses: a failed property stops the run the way a
// crash does (libFuzzer saves the input), after printing what was expected.
#ifndef MMU_FUZZ_UTIL_H
#define MMU_FUZZ_UTIL_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fuzz {

[[noreturn]] inline void fail(const std::string &what)
{
    std::fprintf(stderr, "\nfuzz property violated: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

#define FUZZ_CHECK(cond, what)                                                          \
    do {                                                                                \
        if (!(cond))                                                                    \
            ::fuzz::fail(std::string(#cond) + ": " + (what));                           \
    } while (0)

// Digits at s[at..]: their value, and the index after them (at if none).
inline size_t digits(const std::string &s, size_t at, uint64_t *v)
{
    uint64_t x = 0;
    size_t i = at;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - at < 20)
        x = x * 10 + static_cast<uint64_t>(s[i++] - '0');
    *v = x;
    return i;
}

// Does msg start "name:LINE: " with 1 <= LINE <= max_line?
inline bool at_line(const std::string &msg, const std::string &name, uint64_t max_line)
{
    if (msg.compare(0, name.size() + 1, name + ":") != 0)
        return false;
    uint64_t line;
    size_t e = digits(msg, name.size() + 1, &line);
    return e > name.size() + 1 && msg.compare(e, 2, ": ") == 0 && line >= 1 && line <= max_line;
}

// Does msg start "name: <what> N: " with N <= max?
inline bool at_byte(const std::string &msg, const std::string &name, const std::string &what,
                    uint64_t max)
{
    const std::string head = name + ": " + what + " ";
    if (msg.compare(0, head.size(), head) != 0)
        return false;
    uint64_t n;
    size_t e = digits(msg, head.size(), &n);
    return e > head.size() && msg.compare(e, 2, ": ") == 0 && n <= max;
}

inline uint64_t count_lines(const uint8_t *d, size_t n)
{
    uint64_t k = 1;
    for (size_t i = 0; i < n; i++)
        k += d[i] == '\n';
    return k;
}

} // namespace fuzz

#endif
