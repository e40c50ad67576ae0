package io.twinview.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.onnx.proto.OnnxMl;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.storage.ObjectInfo;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.EncoderWeights;
import io.twinview.model.Encoders;
import io.twinview.model.ImageTensors;
import io.twinview.model.Safetensors;
import io.twinview.model.onnx.OnnxExport;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.RunSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A checkpoint's encoder as a file in torchvision names: read from object storage and rebuilt the
 * way eval-service does (the run's architecture and seed, then the checkpoint's weights and BN
 * statistics), then written with {@link EncoderWeights}.
 */
final class EncoderExport {

    private static final String ENCODER = "encoder";

    /** Which checkpoint: the newest, a step, or the one whose stored report has the highest k-NN top-1. */
    interface StepChoice {
        /**
         * @throws IllegalArgumentException when the run has no such complete checkpoint, naming the run and step
         */
        Checkpoint find(CheckpointStore store, String runId);

        /**
         * @param value null or empty for the newest, a step (0 or more), or "best"
         * @throws IllegalArgumentException naming the value and what is allowed
         */
        static StepChoice parse(String value) {
            if (value == null || value.isEmpty()) {
                return (store, runId) -> store.latest(runId, Set.of(ENCODER))
                        .orElseThrow(() -> new IllegalArgumentException(
                                "run '" + runId + "' has no complete checkpoint in bucket " + store.bucket()));
            }
            if (value.equals("best")) {
                return (store, runId) -> {
                    long step = bestStep(store, runId);
                    return store.read(runId, step, Set.of(ENCODER))
                            .orElseThrow(() -> new IllegalArgumentException(
                                    "run '" + runId + "': the best checkpoint, step " + step + ", is not complete"));
                };
            }
            long step;
            try {
                step = Long.parseLong(value);
            } catch (NumberFormatException e) {
                step = -1;
            }
            if (step < 0) {
                throw new IllegalArgumentException(
                        "--step '" + value + "' is neither a checkpoint step (0 or more) nor 'best'");
            }
            long chosen = step;
            return (store, runId) -> store.read(runId, chosen, Set.of(ENCODER))
                    .orElseThrow(() -> new IllegalArgumentException("run '" + runId + "' has no complete checkpoint"
                            + " at step " + chosen + "; complete steps: " + store.steps(runId)));
        }
    }

    /** What was written: the checkpoint's step and key, and the encoder it held. */
    record Exported(long step, String manifestKey, EncoderKind encoder, int tensors) {}

    private EncoderExport() {}

    /**
     * Writes the checkpoint's encoder as safetensors in torchvision names.
     *
     * @throws IllegalArgumentException when the run has no such (complete) checkpoint, naming the run and step
     */
    static Exported safetensors(CheckpointStore store, String runId, StepChoice choice, OutputStream out)
            throws IOException {
        return export(store, runId, choice, (kind, spec, step, encoder) -> {
            Map<String, Safetensors.Tensor> tensors = EncoderWeights.tensors(kind, encoder);
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("format", "pt"); // what Hugging Face's loaders expect of a torch state_dict
            metadata.put("encoder", kind.key());
            metadata.put("image_size", String.valueOf(spec.getImageSize()));
            metadata.put("normalize_mean", floats(ImageTensors.mean()));
            metadata.put("normalize_std", floats(ImageTensors.std()));
            metadata.put("run_id", runId);
            metadata.put("step", String.valueOf(step));
            metadata.put("method", spec.getMethod());
            Safetensors.write(out, metadata, tensors);
            return tensors.size();
        });
    }

    /**
     * Writes the checkpoint's encoder as an ONNX model ({@link OnnxExport}: input {@code images}, NCHW
     * float normalised as its metadata says; output {@code features}); the run and step go into its
     * metadata too.
     *
     * @throws IllegalArgumentException when the run has no such (complete) checkpoint, naming the run and step
     */
    static Exported onnx(CheckpointStore store, String runId, StepChoice choice, OutputStream out) throws IOException {
        return export(store, runId, choice, (kind, spec, step, encoder) -> {
            OnnxMl.ModelProto.Builder model = OnnxExport.toModel(
                    encoder, kind.key(), spec.getImageSize(), ImageTensors.mean(), ImageTensors.std())
                    .toBuilder();
            model.addMetadataProps(property("run_id", runId))
                    .addMetadataProps(property("step", String.valueOf(step)))
                    .addMetadataProps(property("method", spec.getMethod()));
            model.build().writeTo(out);
            return model.getGraph().getInitializerCount();
        });
    }

    /** Writes a loaded encoder; returns how many tensors it wrote. */
    @FunctionalInterface
    private interface Writer {
        int write(EncoderKind kind, RunSpec spec, long step, Block encoder) throws IOException;
    }

    private static Exported export(CheckpointStore store, String runId, StepChoice choice, Writer writer)
            throws IOException {
        Checkpoint checkpoint = choice.find(store, runId);
        RunSpec spec = checkpoint.manifest().getSpec();
        EncoderKind kind = EncoderKind.stored(spec.getEncoder());
        long step = checkpoint.manifest().getStep();
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(kind, spec.getSeed(), spec.getImageSize(), manager);
            BlockParameters.load(encoder, checkpoint.object(ENCODER), manager);
            int tensors = writer.write(kind, spec, step, encoder);
            return new Exported(step, checkpoint.manifestKey(), kind, tensors);
        }
    }

    private static OnnxMl.StringStringEntryProto property(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder()
                .setKey(key)
                .setValue(value)
                .build();
    }

    /**
     * The step whose stored reports hold the highest k-NN top-1 of the SSL encoder (as the trainer's
     * retention ranks checkpoints); the newer step on a tie.
     */
    private static long bestStep(CheckpointStore store, String runId) {
        SortedMap<Long, List<ObjectInfo>> folders = store.folders(runId);
        long best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Map.Entry<Long, List<ObjectInfo>> folder : folders.entrySet()) {
            if (!CheckpointStore.hasManifest(folder.getValue())) {
                continue;
            }
            for (ObjectInfo object : folder.getValue()) {
                if (!CheckpointStore.isReport(object)) {
                    continue;
                }
                Optional<Double> score = store.report(object.key())
                        .filter(EvalReport::hasSsl)
                        .map(r -> r.getSsl().getKnnTop1());
                if (score.isPresent() && score.get() >= bestScore) {
                    bestScore = score.get();
                    best = folder.getKey();
                }
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("--step best: run '" + runId
                    + "' has no checkpoint with an evaluation report (./twinview eval --run-id " + runId
                    + " makes one); give --step N or leave --step out for the newest");
        }
        return best;
    }

    private static String floats(float[] values) {
        return IntStream.range(0, values.length)
                .mapToObj(i -> String.valueOf(values[i]))
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
