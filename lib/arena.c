/*
 * arena.c - bump allocator for schemas: many small, long-lived allocations
 * (names, property arrays, maps) released together when their store goes.
 */
#define ETLKIT_INTERNAL
#include "schema.h"

#include <stdlib.h>
#include <string.h>

struct block {
	struct block *next;
	size_t size, used;
	unsigned char data[];
};

struct etl_arena {
	struct block *head;
	size_t total;
};

#define BLOCK_MIN 16384

etl_arena *etl_arena_new(void)
{
	return calloc(1, sizeof(etl_arena));
}

void etl_arena_free(etl_arena *a)
{
	if (!a)
		return;
	struct block *b = a->head;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

void *etl_arena_alloc(etl_arena *a, size_t n)
{
	if (!a || n > ETL_ARENA_MAX)
		return NULL;
	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	struct block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > BLOCK_MIN ? n : BLOCK_MIN;
		if (a->total + size > ETL_ARENA_MAX)
			return NULL;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		/* keep filling the current block when the new one is a big
		 * one-off, so small allocations do not waste its tail */
		if (a->head && size > BLOCK_MIN) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
		a->total += size;
	}
	void *p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *etl_arena_strndup(etl_arena *a, const char *s, size_t n)
{
	char *d = etl_arena_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

char *etl_arena_strdup(etl_arena *a, const char *s)
{
	return s ? etl_arena_strndup(a, s, strlen(s)) : NULL;
}

size_t etl_arena_used(const etl_arena *a)
{
	return a ? a->total : 0;
}
