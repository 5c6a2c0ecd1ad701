/* MAP_DROPPABLE (map type 0x08, Linux 6.11): private anonymous memory the kernel may drop. */
#include "common.h"
int main(void)
{
	void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, 0x08 | MAP_ANONYMOUS, -1, 0);

	printf("mmap(MAP_DROPPABLE|MAP_ANONYMOUS) = %s\n", p == MAP_FAILED ? strerrorname_np(errno) : "ok");
	return 0;
}
