#ifndef MEMTRACE_RECORD_CRC32_H
#define MEMTRACE_RECORD_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32 as zlib and PNG compute it (reflected, polynomial 0xEDB88320):
 * crc32_update(0, "123456789", 9) == 0xcbf43926.  Chain calls by passing
 * the previous result.
 */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif
