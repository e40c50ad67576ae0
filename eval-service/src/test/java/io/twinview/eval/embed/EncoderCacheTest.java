package io.twinview.eval.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class EncoderCacheTest {

    private static EncoderRef ref(long step) {
        return new EncoderRef("run", step, EncoderKind.SMALL, 1, 32);
    }

    @Test
    void theLeastRecentlyUsedEncoderIsEvictedAndItsManagerClosed() {
        List<NDManager> managers = new ArrayList<>();
        Function<NDManager, Block> load = manager -> {
            managers.add(manager);
            return Encoders.create(EncoderKind.SMALL, 1, 32, manager);
        };
        try (EncoderCache cache = new EncoderCache(2)) {
            EncoderCache.Loaded first = cache.get(ref(1), load);
            cache.get(ref(2), load);
            assertSame(first, cache.get(ref(1), load), "a hit returns the loaded encoder without loading");
            assertEquals(2, managers.size(), "two loads for two steps");

            cache.get(ref(3), load); // step 2 is now the least recently used

            assertEquals(2, cache.size(), "the cache holds at most its capacity");
            assertFalse(cache.contains(ref(2)), "the least recently used step was evicted");
            assertTrue(cache.contains(ref(1)) && cache.contains(ref(3)), "the others stay");
            assertFalse(managers.get(1).isOpen(), "the evicted encoder's NDManager is closed (its memory freed)");
            assertTrue(managers.get(0).isOpen(), "a cached encoder's NDManager stays open");
            assertEquals(1, cache.evictions(), "one eviction counted");
        }
        assertFalse(managers.get(0).isOpen(), "closing the cache closes every encoder");
    }

    @Test
    void aFailedLoadLeavesNothingBehind() {
        try (EncoderCache cache = new EncoderCache(1)) {
            NDManager[] seen = new NDManager[1];
            org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalStateException.class,
                    () -> cache.get(ref(1), m -> {
                        seen[0] = m;
                        throw new IllegalStateException("corrupt");
                    }));
            assertEquals(0, cache.size(), "nothing cached");
            assertFalse(seen[0].isOpen(), "the failed load's manager is closed");
        }
    }
}
