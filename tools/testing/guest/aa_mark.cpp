// SPDX-License-Identifier: GPL-2.0
/*
 * aa_mark K - call into byte K (0-4095) of the marker page, for the qemu
 * plugin of `make bench` with BENCH_INSN=1 (tools/testing/bench/
 * insn-plugin.c), which writes its instruction counts when the guest
 * executes code there.  The page is mapped at a fixed address, filled with
 * one-byte returns, and called at K, so that the plugin can tell which
 * mark it is from the address alone.  Without the plugin it is a call
 * and a return.
 */
#include <sys/mman.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {
constexpr std::uintptr_t mark_addr = 0x5a5a5a000000;
constexpr std::size_t mark_size = 4096;
constexpr unsigned char x86_ret = 0xc3;
} // namespace

int main(int argc, char **argv)
{
	unsigned int k = 0;

	if (argc != 2) {
		std::fprintf(stderr, "usage: aa_mark K (0-%zu)\n", mark_size - 1);
		return 2;
	}
	const std::string_view arg(argv[1]);
	const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), k);
	if (ec != std::errc() || end != arg.data() + arg.size() || k >= mark_size) {
		std::fprintf(stderr, "aa_mark: '%s' is not a number from 0 to %zu\n", argv[1],
			     mark_size - 1);
		return 2;
	}
	void *p = mmap(reinterpret_cast<void *>(mark_addr), mark_size,
		       PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || p != reinterpret_cast<void *>(mark_addr)) {
		std::fprintf(stderr, "aa_mark: mmap at %#lx: %s\n",
			     static_cast<unsigned long>(mark_addr),
			     p == MAP_FAILED ? std::strerror(errno) : "placed elsewhere");
		return 1;
	}
	std::memset(p, x86_ret, mark_size);
	auto *page = static_cast<unsigned char *>(p);
	reinterpret_cast<void (*)()>(page + k)();
	munmap(p, mark_size);
	return 0;
}
