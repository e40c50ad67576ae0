package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * MoCo's dictionary (He et al. 2020, https://arxiv.org/abs/1911.05722, sec. 3.2): K keys in a ring
 * buffer. Enqueueing n keys writes them at the pointer, over the n oldest, and moves the pointer on
 * by n mod K, as {@code _dequeue_and_enqueue} in {@code moco/builder.py}; a batch that reaches the
 * end wraps to the start, so the buffer stays FIFO for any n <= K (the official code asserts K % n
 * == 0 instead). It starts as K random unit vectors, like the official code's normalised randn.
 */
final class MoCoQueue {

    static final String KEYS = "moco/queue";
    static final String POINTER = "moco/queue_pointer";

    private final NDManager manager;
    private final int size;
    private final int dim;
    private NDArray keys; // (K, D)
    /** The pointer as an array for {@link #state()}, written there; one array, so state() leaks nothing. */
    private final NDArray pointerArray; // (1) int64

    private int pointer;

    /**
     * @param manager owns the queue (the method's manager)
     * @param seed draws the initial random unit keys
     */
    MoCoQueue(NDManager manager, int size, int dim, long seed) {
        if (size < 1 || dim < 1) {
            throw new IllegalArgumentException("a queue needs K >= 1 keys of width >= 1, got K=" + size + ", D=" + dim);
        }
        this.manager = manager;
        this.size = size;
        this.dim = dim;
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[size * dim];
        for (int row = 0; row < size; row++) {
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                double g = random.nextGaussian();
                values[row * dim + j] = (float) g;
                norm += g * g;
            }
            float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
            for (int j = 0; j < dim; j++) {
                values[row * dim + j] *= scale;
            }
        }
        this.keys = manager.create(values, new Shape(size, dim));
        this.pointerArray = manager.create(new long[] {0});
    }

    int size() {
        return size;
    }

    int pointer() {
        return pointer;
    }

    /**
     * The K keys as a view without gradient, owned by {@code scope} (closing it leaves the queue
     * alone). It shares the queue's storage: use it before the next {@link #enqueue}.
     */
    NDArray negatives(NDManager scope) {
        NDArray view = keys.stopGradient(); // (K, D)
        view.attach(scope);
        return view;
    }

    /** Overwrites the n oldest keys with {@code batch} (n, D), n <= K, in row order. */
    void enqueue(NDArray batch) {
        Shape shape = batch.getShape();
        if (shape.dimension() != 2 || shape.get(1) != dim || shape.get(0) > size) {
            throw new IllegalArgumentException("enqueue takes (n <= " + size + ", " + dim + ") keys, got " + shape);
        }
        int n = Math.toIntExact(shape.get(0));
        int first = Math.min(n, size - pointer);
        write(pointer, batch, 0, first);
        if (first < n) {
            write(0, batch, first, n);
        }
        pointer = (pointer + n) % size;
    }

    private void write(int at, NDArray batch, int from, int to) {
        try (NDArray rows = batch.get(new NDIndex("{}:{}", from, to)).stopGradient()) {
            keys.set(new NDIndex("{}:{}", at, at + to - from), rows); // in place: the queue never requires gradients
        }
    }

    /** The keys (K, D) and the pointer, named {@value #KEYS} and {@value #POINTER}; live arrays, not copies. */
    NDList state() {
        keys.setName(KEYS);
        pointerArray.set(new long[] {pointer});
        pointerArray.setName(POINTER);
        return new NDList(keys, pointerArray);
    }

    /** Restores a {@link #state()} of a queue of the same size and width, copying the arrays. */
    void load(NDList state) {
        NDArray loadedKeys = state.get(KEYS);
        NDArray loadedPointer = state.get(POINTER);
        if (state.size() != 2 || loadedKeys == null || loadedPointer == null) {
            throw new IllegalArgumentException("MoCo state holds " + KEYS + " and " + POINTER + ", got "
                    + state.stream().map(NDArray::getName).toList());
        }
        if (!loadedKeys.getShape().equals(new Shape(size, dim))) {
            throw new IllegalArgumentException(KEYS + " has shape " + loadedKeys.getShape() + ", this run's queue is ("
                    + size + ", " + dim + "): queue_size and projector_output_dim must match the checkpoint");
        }
        if (loadedPointer.getDataType() != DataType.INT64 || loadedPointer.size() != 1) {
            throw new IllegalArgumentException(POINTER + " must be one int64, got " + loadedPointer.getDataType() + " "
                    + loadedPointer.getShape());
        }
        long at = loadedPointer.getLong(0);
        if (at < 0 || at >= size) {
            throw new IllegalArgumentException(POINTER + " = " + at + " is outside the queue [0, " + size + ")");
        }
        if (loadedKeys.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(KEYS + " is " + loadedKeys.getDataType() + ", expected float32");
        }
        NDArray copy = loadedKeys.duplicate(); // own storage: later enqueues leave the caller's array alone
        copy.attach(manager);
        keys.close();
        keys = copy;
        pointer = (int) at;
    }
}
