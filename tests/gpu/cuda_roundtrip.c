// SPDX-License-Identifier: MIT
/*
 * The CUDA side of the build works: device memory takes a pattern from the
 * host and gives back exactly those bytes, with a memset in the middle.
 * Skips (77) where there is no GPU or driver, saying so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#define SIZE (64u << 20)

static int check(cudaError_t err, const char *what)
{
	if (err != cudaSuccess) {
		fprintf(stderr, "FAIL %s: %s\n", what, cudaGetErrorString(err));
		return 1;
	}
	return 0;
}

int main(void)
{
	unsigned char *host, *back;
	void *dev = NULL;
	int count = 0, bad = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	cudaError_t err = cudaGetDeviceCount(&count);

	if (err != cudaSuccess || count == 0) {
		printf("SKIP: no CUDA device (%s)\n",
		       err != cudaSuccess ? cudaGetErrorString(err) : "0 devices");
		return 77;
	}
	host = malloc(SIZE);
	back = malloc(SIZE);
	if (!host || !back)
		return 1;
	for (size_t i = 0; i < SIZE; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		host[i] = (unsigned char)x;
	}
	if (check(cudaMalloc(&dev, SIZE), "cudaMalloc") ||
	    check(cudaMemcpy(dev, host, SIZE, cudaMemcpyHostToDevice), "H2D") ||
	    check(cudaMemset((char *)dev + 4096, 0xA5, 8192), "memset") ||
	    check(cudaMemcpy(back, dev, SIZE, cudaMemcpyDeviceToHost), "D2H"))
		return 1;
	memset(host + 4096, 0xA5, 8192);
	for (size_t i = 0; i < SIZE; i++)
		bad += host[i] != back[i];
	cudaFree(dev);
	free(host);
	free(back);
	if (bad) {
		fprintf(stderr, "FAIL: %d bytes differ after the round trip\n", bad);
		return 1;
	}
	printf("cuda round trip: %u MiB on %d device(s), all bytes match\n",
	       SIZE >> 20, count);
	return 0;
}
