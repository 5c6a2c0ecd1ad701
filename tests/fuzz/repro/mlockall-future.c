/*
 * mlockall(MCL_CURRENT) ends an earlier mlockall(MCL_FUTURE): later
 * mappings are not locked, so MADV_DONTNEED (EINVAL on locked memory) works.
 */
#include "common.h"
int main(void)
{
	char *p;

	SHOW("mlockall(MCL_FUTURE|MCL_ONFAULT)", mlockall(MCL_FUTURE | MCL_ONFAULT));
	SHOW("mlockall(MCL_CURRENT|MCL_ONFAULT)", mlockall(MCL_CURRENT | MCL_ONFAULT));
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW("madvise(new mapping, MADV_DONTNEED)", madvise(p, PG, MADV_DONTNEED));
	return 0;
}
