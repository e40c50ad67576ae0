package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import io.twinview.model.Encoders;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmaTest {

    private static Block linear(long seed, NDManager manager) {
        Block block = Linear.builder().setUnits(2).build();
        Encoders.initialize(block, seed, new Shape(1, 3), manager);
        return block;
    }

    @Test
    void copyMakesAFrozenTwinAndUpdateIsTheExactAverage() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block online = linear(1, manager);
            Block target = linear(2, manager);
            Ema.copy(target, online);
            List<Parameter> t = target.getParameters().values();
            List<Parameter> o = online.getParameters().values();
            for (int i = 0; i < t.size(); i++) {
                assertArrayEquals(
                        o.get(i).getArray().toFloatArray(), t.get(i).getArray().toFloatArray(), "copy is exact");
                assertFalse(t.get(i).requiresGradient(), "the target is frozen: no gradient reaches it");
            }
            float[] before = t.get(0).getArray().toFloatArray();
            o.get(0).getArray().stopGradient().addi(1.0f); // the online weights move by +1
            float[] online0 = o.get(0).getArray().toFloatArray();
            Ema.update(target, online, 0.99);
            float[] after = t.get(0).getArray().toFloatArray();
            for (int i = 0; i < after.length; i++) {
                assertEquals(
                        0.99 * before[i] + 0.01 * online0[i], after[i], 1e-6, "target = tau target + (1 - tau) online");
            }
        }
    }
}
