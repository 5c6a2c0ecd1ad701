/* A length that rounds up to 0 pages: mlock, mlock2 and munlock do nothing and return 0. */
#include "common.h"
int main(void)
{
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	SHOW("mlock(p, ~0UL)", mlock(p, ~0UL));
	SHOW("mlock2(p, ~0UL - 4094, 0)", syscall(SYS_mlock2, p, ~0UL - 4094, 0));
	SHOW("munlock(1UL << 63, ~0UL - 4094)", munlock((void *)(1UL << 63), ~0UL - 4094));
	return 0;
}
