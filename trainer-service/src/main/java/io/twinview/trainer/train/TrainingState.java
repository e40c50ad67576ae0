package io.twinview.trainer.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything needed to continue training, as the objects of a checkpoint.
 *
 * @param encoder the encoder's parameters (what eval loads)
 * @param heads every other block: projector, predictor, target networks, by role
 * @param optimizer the optimizer's buffers
 */
public record TrainingState(byte[] encoder, byte[] heads, byte[] optimizer) {

    /** The checkpoint objects' names, in the order they are written. */
    public static final List<String> OBJECTS = List.of("encoder", "heads", "optimizer");

    /** The state read back from checkpoint objects, each looked up by its name in {@link #OBJECTS}. */
    public static TrainingState fromObjects(Function<String, byte[]> object) {
        return new TrainingState(object.apply("encoder"), object.apply("heads"), object.apply("optimizer"));
    }

    /** The objects to write, by name, in {@link #OBJECTS} order. */
    public Map<String, byte[]> objects() {
        Map<String, byte[]> objects = new LinkedHashMap<>();
        objects.put("encoder", encoder);
        objects.put("heads", heads);
        objects.put("optimizer", optimizer);
        return objects;
    }
}
