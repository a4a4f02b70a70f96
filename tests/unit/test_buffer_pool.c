/*  test_buffer_pool: spares are reused (the same memory comes back), the
    pool keeps no more than it may and nothing too large, a spare too small
    for a take is left for later, and destroy frees what is kept (ASan's
    leak check in the sanitized run). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "buffer_pool.h"

static void
test_reuse (void **state)
{
    (void) state;
    buffer_pool_t *pool = buffer_pool_new (2, 4096);
    assert_non_null (pool);
    size_t capacity = 0;
    unsigned char *first = buffer_pool_take (pool, 300, &capacity);
    assert_non_null (first);
    assert_true (capacity >= 300);
    memset (first, 0xab, capacity);
    buffer_pool_give (pool, first, capacity);
    assert_int_equal (buffer_pool_spares (pool), 1);
    size_t again = 0;
    assert_ptr_equal (buffer_pool_take (pool, 200, &again), first);
    assert_int_equal (again, capacity);
    assert_int_equal (buffer_pool_spares (pool), 0);
    //  A spare too small stays for a later take; the large one is new.
    buffer_pool_give (pool, first, capacity);
    size_t large_capacity = 0;
    unsigned char *large = buffer_pool_take (pool, 3000, &large_capacity);
    assert_non_null (large);
    assert_ptr_not_equal (large, first);
    assert_true (large_capacity >= 3000);
    memset (large, 0xcd, large_capacity);
    assert_int_equal (buffer_pool_spares (pool), 1);
    buffer_pool_give (pool, large, large_capacity);
    assert_int_equal (buffer_pool_spares (pool), 2);
    buffer_pool_give (pool, NULL, 0);
    assert_int_equal (buffer_pool_spares (pool), 2);
    buffer_pool_destroy (&pool);
    assert_null (pool);
    buffer_pool_destroy (&pool);
}

static void
test_limits (void **state)
{
    (void) state;
    buffer_pool_t *pool = buffer_pool_new (2, 1024);
    assert_non_null (pool);
    size_t capacities [4];
    void *buffers [4];
    for (int index = 0; index < 4; index++) {
        buffers [index] = buffer_pool_take (pool, 100, &capacities [index]);
        assert_non_null (buffers [index]);
    }
    //  Two kept, the others freed (the pool is full).
    for (int index = 0; index < 4; index++)
        buffer_pool_give (pool, buffers [index], capacities [index]);
    assert_int_equal (buffer_pool_spares (pool), 2);
    buffer_pool_destroy (&pool);
    //  Over largest: freed, not kept.
    pool = buffer_pool_new (2, 1024);
    assert_non_null (pool);
    size_t capacity;
    void *big = buffer_pool_take (pool, 5000, &capacity);
    assert_non_null (big);
    buffer_pool_give (pool, big, capacity);
    assert_int_equal (buffer_pool_spares (pool), 0);
    buffer_pool_destroy (&pool);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_reuse),
        cmocka_unit_test (test_limits),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
