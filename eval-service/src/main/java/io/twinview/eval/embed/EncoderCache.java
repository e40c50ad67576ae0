package io.twinview.eval.embed;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Loaded encoders, least recently used first out: at most {@code capacity}, each in its own
 * NDManager, closed when it is evicted (its native memory freed) or when the cache closes.
 */
public final class EncoderCache implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EncoderCache.class);

    /** An encoder ready for inference, owning {@code manager}. */
    public record Loaded(Block block, NDManager manager) {}

    private final int capacity;
    private final Map<EncoderRef, Loaded> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private long evictions;

    public EncoderCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * The loaded encoder of {@code ref}, loading it (and evicting the least recently used one when
     * full) on a miss.
     *
     * @param load makes the encoder's block in the given manager (which the cache then owns)
     */
    public synchronized Loaded get(EncoderRef ref, Function<NDManager, Block> load) {
        Loaded hit = loaded.get(ref);
        if (hit != null) {
            return hit;
        }
        NDManager manager = NDManager.newBaseManager();
        try {
            Block block = load.apply(manager);
            block.freezeParameters(true);
            Loaded fresh = new Loaded(block, manager);
            while (loaded.size() >= capacity) {
                Iterator<Map.Entry<EncoderRef, Loaded>> eldest =
                        loaded.entrySet().iterator();
                Map.Entry<EncoderRef, Loaded> out = eldest.next();
                eldest.remove();
                out.getValue().manager().close();
                evictions++;
                LOG.debugf(
                        "embed cache: evicted %s step %d",
                        out.getKey().runId(), out.getKey().step());
            }
            loaded.put(ref, fresh);
            return fresh;
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    public synchronized boolean contains(EncoderRef ref) {
        return loaded.containsKey(ref);
    }

    public synchronized int size() {
        return loaded.size();
    }

    /** Encoders closed to make room since the cache was made. */
    public synchronized long evictions() {
        return evictions;
    }

    @Override
    public synchronized void close() {
        loaded.values().forEach(l -> l.manager().close());
        loaded.clear();
    }
}
