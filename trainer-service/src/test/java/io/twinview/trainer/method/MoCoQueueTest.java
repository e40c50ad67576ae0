package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MoCoQueueTest {

    private static final int DIM = 2;

    /** Key number {@code id} as a recognisable row (id, -id). */
    private static NDArray batch(NDManager manager, int firstId, int n) {
        float[] values = new float[n * DIM];
        for (int i = 0; i < n; i++) {
            values[i * DIM] = firstId + i;
            values[i * DIM + 1] = -(firstId + i);
        }
        return manager.create(values, new Shape(n, DIM));
    }

    /** The ids the queue holds, in storage order. */
    private static List<Integer> ids(MoCoQueue queue, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            float[] values = queue.negatives(scope).toFloatArray();
            List<Integer> ids = new ArrayList<>();
            for (int row = 0; row < values.length / DIM; row++) {
                ids.add(Math.round(values[row * DIM]));
            }
            return ids;
        }
    }

    @Test
    void startsAsRandomUnitKeysDrawnFromTheSeed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MoCoQueue queue = new MoCoQueue(manager, 16, 8, 5);
            float[] keys = queue.negatives(manager).toFloatArray();
            for (int row = 0; row < 16; row++) {
                double norm = 0;
                for (int j = 0; j < 8; j++) {
                    norm += keys[row * 8 + j] * keys[row * 8 + j];
                }
                assertEquals(
                        1.0,
                        norm,
                        1e-5,
                        "initial key " + row + " is a unit vector, like moco/builder.py's normalised randn");
            }
            assertArrayEquals(
                    keys,
                    new MoCoQueue(manager, 16, 8, 5).negatives(manager).toFloatArray(),
                    "the same seed draws the same initial queue");
            assertEquals(0, queue.pointer());
        }
    }

    @Test
    void isFifoWithExactOrderAndFixedSizeAfterMoreThanKOverNSteps() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MoCoQueue queue = new MoCoQueue(manager, 6, DIM, 1);
            int next = 1;
            for (int step = 1; step <= 5; step++) { // 5 steps of 3 keys through a queue of 6: wraps twice
                queue.enqueue(batch(manager, next, 3));
                next += 3;
                assertEquals(6, ids(queue, manager).size(), "the queue keeps exactly K keys");
                assertEquals((3 * step) % 6, queue.pointer(), "the pointer moves by the batch, modulo K");
            }
            // keys 1..15 went in; the last six stay, 13-15 over the slots 10-12 had
            assertEquals(
                    List.of(13, 14, 15, 10, 11, 12),
                    ids(queue, manager),
                    "each batch overwrites the oldest keys, in order, starting at the pointer");
        }
    }

    @Test
    void aBatchThatDoesNotDivideKWrapsAroundInOrder() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MoCoQueue queue = new MoCoQueue(manager, 5, DIM, 1);
            queue.enqueue(batch(manager, 1, 2));
            queue.enqueue(batch(manager, 3, 2));
            queue.enqueue(batch(manager, 5, 2)); // key 5 in the last slot, key 6 wraps to slot 0
            assertEquals(List.of(6, 2, 3, 4, 5), ids(queue, manager), "the oldest key (1) is the one replaced by 6");
            assertEquals(1, queue.pointer());
        }
    }

    @Test
    void stateRoundTripContinuesWithTheSameQueue() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MoCoQueue original = new MoCoQueue(manager, 6, DIM, 1);
            original.enqueue(batch(manager, 1, 3));
            original.enqueue(batch(manager, 4, 3));
            original.enqueue(batch(manager, 7, 3));
            NDList state = original.state();
            assertEquals(
                    List.of(MoCoQueue.KEYS, MoCoQueue.POINTER),
                    state.stream().map(NDArray::getName).toList(),
                    "the state names its arrays");
            NDList decoded = NDList.decode(manager, state.encode());
            MoCoQueue restored = new MoCoQueue(manager, 6, DIM, 99);
            restored.load(decoded);
            assertEquals(ids(original, manager), ids(restored, manager), "the keys come back in their slots");
            assertEquals(original.pointer(), restored.pointer(), "and so does the pointer");
            original.enqueue(batch(manager, 10, 3));
            restored.enqueue(batch(manager, 10, 3));
            assertEquals(List.of(7, 8, 9, 10, 11, 12), ids(restored, manager), "the restored queue continues FIFO");
            assertEquals(ids(original, manager), ids(restored, manager), "exactly as the original does");
            decoded.close();
            assertEquals(List.of(7, 8, 9, 10, 11, 12), ids(restored, manager), "it owns a copy of the loaded keys");
        }
    }

    @Test
    void loadRejectsAQueueOfAnotherSize() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList state = new MoCoQueue(manager, 6, DIM, 1).state();
            String message = assertThrows(
                            IllegalArgumentException.class, () -> new MoCoQueue(manager, 8, DIM, 1).load(state))
                    .getMessage();
            assertTrue(message.contains("queue_size"), "the message names the setting to fix: " + message);
        }
    }
}
