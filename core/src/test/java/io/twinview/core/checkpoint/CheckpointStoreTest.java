package io.twinview.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.storage.ObjectInfo;
import io.twinview.core.storage.ObjectStore;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.PartitionCursor;
import io.twinview.proto.v1.ProbeScores;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.TaskProgress;
import io.twinview.proto.v1.ViewsCursor;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real S3 endpoint (S3Proxy through the MinIO client). */
class CheckpointStoreTest {

    private static ObjectStore objects;
    private static CheckpointStore store;

    @BeforeAll
    static void connect() {
        TestCheckpointStore s3 = TestCheckpointStore.on("checkpoint-test");
        objects = s3.objects();
        store = s3.store();
    }

    @AfterAll
    static void close() {
        objects.close();
    }

    private static CheckpointManifest manifest(String runId, long step) {
        return CheckpointManifest.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setEpoch(step / 10.0)
                .setSpec(RunSpec.newBuilder()
                        .setMethod("simclr")
                        .setDatasetUri("synthetic:?n=64")
                        .setBatchSize(8))
                .setViews(ViewsCursor.newBuilder()
                        .setTopic("twinview.views." + runId)
                        .addPartitions(PartitionCursor.newBuilder()
                                .setPartition(0)
                                .setOffset(12)
                                .setSkipSamples(3))
                        .setNextTaskId(7)
                        .addOpenTasks(TaskProgress.newBuilder()
                                .setTaskId(6)
                                .setBatchCount(2)
                                .addSeenSequences(1))
                        .setPairsTrained(step * 8))
                .putMetrics("loss", 4.25)
                .build();
    }

    private static Map<String, byte[]> objects(long step) {
        Map<String, byte[]> objects = new LinkedHashMap<>();
        objects.put("encoder", ("encoder@" + step).getBytes(StandardCharsets.UTF_8));
        objects.put("heads", ("heads@" + step).getBytes(StandardCharsets.UTF_8));
        objects.put("optimizer", new byte[] {1, 2, 3, (byte) step});
        return objects;
    }

    private static String newRun() {
        return "run-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void manifestRoundTripsThroughJsonWithChecksumsOfEveryObject() {
        String run = newRun();
        String key = store.write(manifest(run, 20), objects(20));
        assertEquals(
                "runs/" + run + "/checkpoints/0000000020/manifest.json",
                key,
                "manifests live under runs/<id>/checkpoints/<step>/");

        Checkpoint read =
                store.read(run, 20, Set.of("encoder", "heads", "optimizer")).orElseThrow();
        CheckpointManifest expected = manifest(run, 20);
        assertEquals(expected.getViews(), read.manifest().getViews(), "the views cursor survives the JSON round trip");
        assertEquals(expected.getSpec(), read.manifest().getSpec(), "the run spec survives the JSON round trip");
        assertEquals(4.25, read.manifest().getMetricsOrThrow("loss"), "metrics survive the JSON round trip");
        assertEquals(3, read.manifest().getObjectsCount(), "every object is listed in the manifest");
        read.manifest()
                .getObjectsList()
                .forEach(o -> assertEquals(64, o.getSha256().length(), "sha256 hex of " + o.getName()));
        assertArrayEquals(objects(20).get("optimizer"), read.object("optimizer"), "object bytes come back intact");
    }

    @Test
    void latestIsTheNewestCompleteCheckpoint() {
        String run = newRun();
        store.write(manifest(run, 10), objects(10));
        store.write(manifest(run, 30), objects(30));
        // step 40 crashed before its manifest: objects without a manifest do not make a checkpoint
        objects.put(CheckpointKeys.objectKey(run, 40, "encoder.params"), new byte[] {9}, "application/octet-stream");

        Optional<Checkpoint> latest = store.latest(run, Set.of("encoder"));
        assertEquals(30, latest.orElseThrow().manifest().getStep(), "a step without manifest.json does not exist");
        assertEquals(java.util.List.of(30L, 10L), store.steps(run), "steps with a manifest, newest first");
    }

    @Test
    void aCheckpointWhoseObjectDoesNotMatchItsChecksumDoesNotExist() {
        String run = newRun();
        store.write(manifest(run, 10), objects(10));
        store.write(manifest(run, 20), objects(20));
        byte[] tampered = "encoder@XX".getBytes(StandardCharsets.UTF_8); // same size, other bytes
        objects.put(CheckpointKeys.objectKey(run, 20, "encoder.params"), tampered, "application/octet-stream");

        assertTrue(
                store.read(run, 20, Set.of("encoder")).isEmpty(), "a checksum mismatch makes the checkpoint invalid");
        assertEquals(
                10,
                store.latest(run, Set.of("encoder")).orElseThrow().manifest().getStep(),
                "latest falls back to the newest checkpoint that verifies");
    }

    @Test
    void aMissingObjectMakesTheCheckpointInvalidEvenWhenNotRead() {
        String run = newRun();
        store.write(manifest(run, 10), objects(10));
        objects.delete(CheckpointKeys.objectKey(run, 10, "optimizer.ndlist"));
        assertTrue(store.read(run, 10, Set.of("encoder")).isEmpty(), "every listed object must exist, read or not");
    }

    @Test
    void aManifestThatDoesNotParseIsIgnored() {
        String run = newRun();
        store.write(manifest(run, 10), objects(10));
        objects.put(
                CheckpointKeys.manifestKey(run, 20), "{not json".getBytes(StandardCharsets.UTF_8), "application/json");
        assertEquals(
                10,
                store.latest(run, Set.of("encoder")).orElseThrow().manifest().getStep(),
                "a corrupt manifest is skipped, not fatal");
    }

    @Test
    void deleteRemovesACheckpointWholeAndOrphansAreOnlyOlderStepsWithoutAManifest() {
        String run = newRun();
        store.write(manifest(run, 10), objects(10));
        store.write(manifest(run, 20), objects(20));
        String report = CheckpointKeys.reportKey(run, 10, "r1");
        objects.put(report, "{}".getBytes(StandardCharsets.UTF_8), null);
        objects.put(CheckpointKeys.objectKey(run, 15, "encoder.params"), new byte[] {1}, null); // crashed attempt
        objects.put(CheckpointKeys.objectKey(run, 25, "encoder.params"), new byte[] {2}, null); // write in progress

        SortedMap<Long, List<ObjectInfo>> folders = store.folders(run);
        assertEquals(List.of(10L, 15L, 20L, 25L), List.copyOf(folders.keySet()), "every step folder, oldest first");
        assertEquals(5, folders.get(10L).size(), "encoder, heads, optimizer, manifest and a report");
        assertTrue(CheckpointStore.hasManifest(folders.get(10L)), "step 10 is complete");
        assertFalse(CheckpointStore.hasManifest(folders.get(15L)), "step 15 is not");
        assertEquals(
                List.of(report),
                folders.get(10L).stream()
                        .filter(CheckpointStore::isReport)
                        .map(ObjectInfo::key)
                        .toList(),
                "the report is told apart from the checkpoint's objects");
        assertEquals(
                List.of(15L),
                store.orphans(run),
                "only a manifest-less step older than the newest manifest is orphaned");

        assertEquals(5, store.delete(run, 10), "the manifest and every other object, the report included");
        assertFalse(store.folders(run).containsKey(10L), "nothing of step 10 is left");
        assertEquals(List.of(20L), store.steps(run), "the deleted checkpoint is no longer listed");
        assertEquals(1, store.delete(run, 15), "deleting an orphan removes its objects");
        assertEquals(List.of(), store.orphans(run), "no orphan left; step 25 is newer than any manifest");
    }

    @Test
    void aReportIsReadUnlessItFailedOrDoesNotParse() {
        String run = newRun();
        EvalReport good = EvalReport.newBuilder()
                .setReportId(run + ".10.0000aaaa")
                .setStep(10)
                .setSsl(ProbeScores.newBuilder().setKnnTop1(0.75))
                .build();
        String goodKey = CheckpointKeys.reportKey(run, 10, "good");
        objects.put(goodKey, ProtoJson.toJson(good), null);
        String failedKey = CheckpointKeys.reportKey(run, 20, "failed");
        objects.put(
                failedKey,
                "{\"step\": 20, \"failed\": true, \"failure\": \"out of memory\"}".getBytes(StandardCharsets.UTF_8),
                null);
        String garbageKey = CheckpointKeys.reportKey(run, 20, "garbage");
        objects.put(garbageKey, "not json".getBytes(StandardCharsets.UTF_8), null);

        assertEquals(Optional.of(good), store.report(goodKey), "a stored report reads back");
        assertEquals(Optional.empty(), store.report(failedKey), "a failed report is no evaluation");
        assertEquals(Optional.empty(), store.report(garbageKey), "a document that does not parse is skipped");
        assertEquals(Optional.empty(), store.report(CheckpointKeys.reportKey(run, 30, "gone")), "nor is a missing one");
    }

    @Test
    void runIdsListsRunsWithCheckpoints() {
        String run = newRun();
        store.write(manifest(run, 5), objects(5));
        assertTrue(store.runIds().contains(run), "the run appears under runs/");
    }
}
