// SPDX-License-Identifier: MIT
/*
 * The CUDA side of the build works: device memory takes a pattern from the
 * host and gives back exactly those bytes, with a memset in the middle.
 * Skips (77) where there is no GPU or driver, saying so.
 */
#define _GNU_SOURCE
#include "../common/phxcheck.h"
#include "../common/phxcuda.h"

#define SIZE (64u << 20)
#define SEED 7

int main(int argc, char **argv)
{
	unsigned char *back = malloc(SIZE), *host = malloc(SIZE);
	void *dev = NULL;

	(void)argc;
	pt_init(argv[0]);
	pt_require_cuda(0);
	if (!host || !back)
		pt_fail("out of memory");
	phxfs_pattern_fill(host, SIZE, SEED, 0);
	PT_CUDA(cudaMalloc(&dev, SIZE));
	PT_CUDA(cudaMemcpy(dev, host, SIZE, cudaMemcpyHostToDevice));
	PT_CUDA(cudaMemset((char *)dev + 4096, 0xA5, 8192));
	PT_CUDA(cudaMemcpy(back, dev, SIZE, cudaMemcpyDeviceToHost));
	PT_CHECK_PATTERN(back, 4096, SEED, 0);
	for (size_t i = 4096; i < 4096 + 8192; i++)
		PT_CHECK(back[i] == 0xA5, "byte %zu is %#x after the memset", i,
			 back[i]);
	PT_CHECK_PATTERN(back + 4096 + 8192, SIZE - 4096 - 8192, SEED,
			 4096 + 8192);
	cudaFree(dev);
	free(host);
	free(back);
	return pt_summary();
}
