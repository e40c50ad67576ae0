package io.twinview.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EpochSamples;
import io.twinview.proto.v1.SampleCounts;
import io.twinview.proto.v1.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a chaos run checks, read from the bucket as S3Proxy's filesystem store keeps it ({@code <bucket dir>/<key>}):
 * the trainer's own account of the samples it trained (the final checkpoint's "samples" object, {@link
 * SampleCounts}), every checkpoint manifest's objects against their sha256, and an object's sha256 (the final
 * encoder's, to compare two runs).
 */
final class ChaosCheck {

    /** The name of a checkpoint's sample account among its manifest's objects. */
    static final String SAMPLES = "samples";

    /** The name of the encoder's parameters among a checkpoint manifest's objects. */
    static final String ENCODER = "encoder";

    private ChaosCheck() {}

    /**
     * Every sample of every planned epoch against the trainer's account.
     *
     * @param accounted false when there was no account to read (then every sample counts as missing)
     * @param missing (epoch, sample) pairs never trained, samples the workers could not read excluded
     * @param duplicated (epoch, sample) pairs trained more than once, and any sample trained in an epoch outside
     *     the plan
     * @param unreadable samples the workers could not read (dead-lettered), never trained
     * @param problem why the account is missing or does not fit the plan, or empty
     */
    record Samples(boolean accounted, long missing, long duplicated, long unreadable, String problem) {

        static Samples unaccounted(long datasetSize, int epochs, String problem) {
            return new Samples(false, datasetSize * epochs, 0, 0, problem);
        }
    }

    /** {@code counts} against a plan of {@code epochs} epochs (numbered from 0) of {@code datasetSize} samples. */
    static Samples samples(SampleCounts counts, long datasetSize, int epochs) {
        if (counts.getDatasetSize() != datasetSize) {
            return Samples.unaccounted(
                    datasetSize,
                    epochs,
                    "the account counts " + counts.getDatasetSize() + " samples per epoch, the dataset has "
                            + datasetSize);
        }
        Map<Integer, EpochSamples> byEpoch = new HashMap<>();
        long missing = 0;
        long duplicated = 0;
        long unreadable = 0;
        for (EpochSamples epoch : counts.getEpochsList()) {
            if (epoch.getEpoch() < 0 || epoch.getEpoch() >= epochs) {
                for (byte count : epoch.getCounts().toByteArray()) {
                    duplicated += count == 0 ? 0 : 1;
                }
                continue;
            }
            byEpoch.put(epoch.getEpoch(), epoch);
        }
        for (int e = 0; e < epochs; e++) {
            EpochSamples epoch = byEpoch.get(e);
            if (epoch == null) {
                missing += datasetSize;
                continue;
            }
            Set<Long> skipped = new HashSet<>(epoch.getUnreadableList());
            unreadable += skipped.size();
            byte[] perSample = epoch.getCounts().toByteArray();
            for (long sample = 0; sample < datasetSize; sample++) {
                int count = sample < perSample.length ? perSample[(int) sample] & 0xff : 0;
                if (skipped.contains(sample)) {
                    duplicated += count == 0 ? 0 : 1; // trained although no worker could read it: counted twice
                } else if (count == 0) {
                    missing++;
                } else if (count > 1) {
                    duplicated++;
                }
            }
        }
        return new Samples(true, missing, duplicated, unreadable, "");
    }

    /** The sample account of {@code manifest}, or why there is none. */
    static Samples samples(Path bucket, CheckpointManifest manifest, long datasetSize, int epochs) {
        Optional<StoredObject> stored = object(manifest, SAMPLES);
        if (stored.isEmpty()) {
            return Samples.unaccounted(
                    datasetSize,
                    epochs,
                    "checkpoint " + manifest.getStep() + " has no \"" + SAMPLES + "\" object (objects: "
                            + manifest.getObjectsList().stream()
                                    .map(StoredObject::getName)
                                    .toList()
                            + ")");
        }
        try {
            return samples(
                    SampleCounts.parseFrom(
                            Files.readAllBytes(bucket.resolve(stored.get().getKey()))),
                    datasetSize,
                    epochs);
        } catch (InvalidProtocolBufferException e) {
            return Samples.unaccounted(datasetSize, epochs, stored.get().getKey() + " is not a SampleCounts: " + e);
        } catch (IOException e) {
            return Samples.unaccounted(
                    datasetSize, epochs, "cannot read " + stored.get().getKey() + ": " + e);
        }
    }

    static Optional<StoredObject> object(CheckpointManifest manifest, String name) {
        return manifest.getObjectsList().stream()
                .filter(o -> o.getName().equals(name))
                .findFirst();
    }

    /** The manifest of the run's newest checkpoint, if it has one. */
    static Optional<CheckpointManifest> newestManifest(Path bucket, String runId) {
        Path checkpoints = bucket.resolve(CheckpointKeys.checkpointsPrefix(runId));
        if (!Files.isDirectory(checkpoints)) {
            return Optional.empty();
        }
        try (Stream<Path> steps = Files.list(checkpoints)) {
            Optional<Long> newest = steps.filter(step -> Files.isRegularFile(step.resolve(CheckpointKeys.MANIFEST)))
                    .map(step -> step.getFileName().toString())
                    .filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .max(Long::compare);
            return newest.map(step -> manifest(bucket.resolve(CheckpointKeys.manifestKey(runId, step))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + checkpoints, e);
        }
    }

    /**
     * Every manifest under the bucket's runs prefix against its objects (present, of the size and sha256 it
     * names).
     *
     * @param failures one line per object that does not verify, or manifest that does not parse
     */
    record Manifests(int checked, List<String> failures) {
        boolean verified() {
            return checked > 0 && failures.isEmpty();
        }
    }

    static Manifests verifyManifests(Path bucket) {
        Path runs = bucket.resolve(CheckpointKeys.runsPrefix());
        if (!Files.isDirectory(runs)) {
            return new Manifests(0, List.of("no " + CheckpointKeys.runsPrefix() + " in " + bucket));
        }
        List<Path> manifests;
        try (Stream<Path> all = Files.walk(runs)) {
            manifests = all.filter(p -> p.getFileName().toString().equals(CheckpointKeys.MANIFEST))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runs, e);
        }
        List<String> failures = new ArrayList<>();
        for (Path path : manifests) {
            String where = bucket.relativize(path).toString();
            CheckpointManifest manifest;
            try {
                manifest = manifest(path);
            } catch (RuntimeException e) {
                failures.add(where + ": " + e.getMessage());
                continue;
            }
            for (StoredObject object : manifest.getObjectsList()) {
                Path file = bucket.resolve(object.getKey());
                if (!Files.isRegularFile(file)) {
                    failures.add(where + ": object " + object.getName() + " (" + object.getKey() + ") is missing");
                    continue;
                }
                String sha256 = sha256(file);
                if (!sha256.equals(object.getSha256())) {
                    failures.add(where + ": object " + object.getName() + " has sha256 " + sha256
                            + ", the manifest says " + object.getSha256());
                }
            }
        }
        return new Manifests(manifests.size(), failures);
    }

    static CheckpointManifest manifest(Path file) {
        try {
            return ProtoJson.parse(Files.readAllBytes(file), CheckpointManifest.newBuilder(), file.toString())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of()
                    .formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }
}
