/* The entry points of the readers' fuzz harness (libFuzzer's names). */
#ifndef MEMTRACE_FUZZ_READERS_H
#define MEMTRACE_FUZZ_READERS_H

#include <stddef.h>
#include <stdint.h>

/* Runs one input through dump, report, maps, diff and replay's reading. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's own mutator, and ours on top of it (mutator.c). */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#endif
