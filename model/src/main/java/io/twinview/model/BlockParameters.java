package io.twinview.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

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
     * Loads parameters written by {@link #toBytes} into an initialised block of the same architecture.
     *
     * @throws IllegalArgumentException when the bytes do not fit the block
     */
    public static void load(Block block, byte[] data, NDManager manager) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            block.loadParameters(manager, in);
        } catch (IOException | MalformedModelException e) {
            throw new IllegalArgumentException("parameters do not fit this block: " + e.getMessage(), e);
        }
    }
}
