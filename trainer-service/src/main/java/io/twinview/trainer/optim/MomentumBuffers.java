package io.twinview.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/** Momentum buffers by parameter name, as checkpoint state ("name#momentum"). */
final class MomentumBuffers {

    private static final String SUFFIX = "#momentum";

    private MomentumBuffers() {}

    static NDList state(Map<String, NDArray> buffers) {
        NDList state = new NDList();
        buffers.forEach((name, buffer) -> {
            buffer.setName(name + SUFFIX);
            state.add(buffer);
        });
        return state;
    }

    static void load(Map<String, NDArray> buffers, NDList state, NDManager manager, String optimizer) {
        buffers.values().forEach(NDArray::close);
        buffers.clear();
        for (NDArray array : state) {
            String name = array.getName();
            if (!name.endsWith(SUFFIX)) {
                throw new IllegalArgumentException("not " + optimizer + " state: " + name);
            }
            NDArray copy = array.duplicate();
            copy.attach(manager);
            buffers.put(name.substring(0, name.length() - SUFFIX.length()), copy);
        }
    }
}
