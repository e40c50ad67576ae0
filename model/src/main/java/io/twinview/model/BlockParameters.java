package io.twinview.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** A block's parameters (weights and BN running statistics) as bytes, in DJL's exact round-trip format. */
public final class BlockParameters {

    private BlockParameters() {}

    public static byte[] toBytes(Block block) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            block.saveParameters(out);
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise block parameters", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Loads parameters written by {@link #toBytes} into an initialised block of the same
     * architecture. DJL's loader swaps in new arrays without gradients: trainable parameters get
     * theirs back here, and the replaced arrays are freed.
     *
     * @throws IllegalArgumentException when the bytes do not fit the block
     */
    public static void load(Block block, byte[] data, NDManager manager) {
        List<NDArray> replaced = new ArrayList<>();
        for (Pair<String, Parameter> parameter : block.getParameters()) {
            if (parameter.getValue().isInitialized()) {
                replaced.add(parameter.getValue().getArray());
            }
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            block.loadParameters(manager, in);
        } catch (IOException | MalformedModelException e) {
            throw new IllegalArgumentException("parameters do not fit this block: " + e.getMessage(), e);
        }
        for (Pair<String, Parameter> parameter : block.getParameters()) {
            if (parameter.getValue().requiresGradient()) {
                parameter.getValue().getArray().setRequiresGradient(true);
            }
        }
        replaced.forEach(NDArray::close);
    }
}
