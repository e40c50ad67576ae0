package io.twinview.trainer.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.stack.LocalStack;
import io.twinview.trainer.run.CheckpointSink;
import io.twinview.trainer.storage.LeaseStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two trainers' leases on one run against a real S3 endpoint (S3Proxy from {@link LocalStack#shared()}):
 * one trainer per JVM trains (PyTorch allows one gradient collector per process), but any number of
 * lease holders with different identities can race here.
 */
class RunOwnershipTest {

    private static final Duration TTL = Duration.ofMillis(1500);
    private static final RunOwnership.Settings FAST =
            new RunOwnership.Settings(TTL, Duration.ofMillis(500), Duration.ofMillis(200));
    private static final Backoff SHORT =
            new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(2));

    private static ObjectStore objects;
    private static LeaseStore leases;
    private String runId;

    @BeforeAll
    static void bucket() {
        LocalStack stack = LocalStack.shared();
        StorageSettings settings = StorageSettings.of(
                stack.s3Endpoint(),
                stack.s3AccessKey(),
                stack.s3SecretKey(),
                "lease-test-" + UUID.randomUUID().toString().substring(0, 8));
        objects = new ObjectStore(settings);
        objects.ensureBucket();
        leases = new LeaseStore(settings);
    }

    @BeforeEach
    void freshRun() {
        runId = "fenced-" + UUID.randomUUID().toString().substring(0, 6);
    }

    @AfterAll
    static void close() {
        leases.close();
        objects.close();
    }

    private RunOwnership trainer(String name) {
        return new RunOwnership(
                leases, runId, RunOwnership.Identity.of(name), FAST, System::nanoTime, SHORT, new Waits());
    }

    @Test
    void ofTwoClaimersExactlyOneHoldsTheRunAndTheOtherSaysWhoDoes() {
        RunOwnership a = trainer("trainer-a");
        RunOwnership b = trainer("trainer-b");

        assertEquals(Optional.empty(), a.tryAcquire(), "the first claimer of a run nobody holds holds it");
        Optional<RunOwnership.Holder> seenByB = b.tryAcquire();

        assertTrue(a.held(), "a holds the run");
        assertFalse(b.held(), "b does not: one trainer per run");
        assertTrue(seenByB.isPresent(), "b is told who holds it");
        assertEquals("trainer-a", seenByB.get().owner(), "b names the holder");
        assertEquals(1, seenByB.get().epoch(), "the first claim is epoch 1");
        assertTrue(
                seenByB.get().describe().contains("trained by trainer-a")
                        && seenByB.get().describe().contains("waits"),
                "b's reason names the holder and says it waits: "
                        + seenByB.get().describe());
    }

    @Test
    void ofTwoClaimersRacingAtOnceExactlyOneHoldsTheRun() throws Exception {
        for (int round = 0; round < 3; round++) {
            runId = "race-" + round + "-" + UUID.randomUUID().toString().substring(0, 6);
            List<RunOwnership> claimers = List.of(trainer("racer-a"), trainer("racer-b"), trainer("racer-c"));
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(claimers.size());
            try {
                List<Future<Optional<RunOwnership.Holder>>> claims = new ArrayList<>();
                for (RunOwnership claimer : claimers) {
                    claims.add(pool.submit((Callable<Optional<RunOwnership.Holder>>) () -> {
                        go.await();
                        return claimer.tryAcquire();
                    }));
                }
                go.countDown();
                for (Future<Optional<RunOwnership.Holder>> claim : claims) {
                    claim.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            long holders = claimers.stream().filter(RunOwnership::held).count();
            assertEquals(1, holders, "round " + round + ": exactly one of three simultaneous claimers holds the run");
            String owner = leases.read(runId).orElseThrow().lease().getOwner();
            RunOwnership winner =
                    claimers.stream().filter(RunOwnership::held).findFirst().orElseThrow();
            assertEquals(winner.identity().owner(), owner, "the stored lease names the one that holds it");
        }
    }

    @Test
    void aLeaseLeftUnrenewedIsTakenOverAfterItsTtlWithTheNextEpoch() throws Exception {
        RunOwnership a = trainer("trainer-a");
        RunOwnership b = trainer("trainer-b");
        a.tryAcquire(); // and never renewed: a crashed trainer

        long started = System.nanoTime();
        Optional<RunOwnership.Holder> seen = b.tryAcquire();
        while (seen.isPresent()
                && System.nanoTime() - started < Duration.ofSeconds(20).toNanos()) {
            Thread.sleep(200);
            seen = b.tryAcquire();
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - started);

        assertTrue(b.held(), "b takes the run over once a's lease went unrenewed");
        assertTrue(waited.compareTo(TTL) >= 0, "not before it saw the lease unchanged for its ttl: " + waited);
        assertEquals(2, b.epoch(), "a takeover is the next epoch: the fencing token grows");
        assertEquals(2, leases.read(runId).orElseThrow().lease().getEpoch(), "stored with the lease");
        OwnershipLostException lost = assertThrows(OwnershipLostException.class, a::renew, "a's next renewal fails");
        assertTrue(
                a.lost() && lost.getMessage().contains("trainer-b"),
                "a knows it lost, and to whom: " + lost.getMessage());
    }

    @Test
    void theOldHoldersNextCheckpointIsRefusedAfterATakeoverAndNothingIsWritten() throws Exception {
        CheckpointStore store = new CheckpointStore(objects);
        List<CheckpointEvent> announced = new ArrayList<>();
        CheckpointSink real = new CheckpointSink() {
            @Override
            public String write(CheckpointManifest manifest, Map<String, byte[]> written) {
                return store.write(manifest, written);
            }

            @Override
            public void announce(CheckpointEvent event) {
                announced.add(event);
            }

            @Override
            public String bucket() {
                return store.bucket();
            }
        };
        RunOwnership a = trainer("trainer-a");
        RunOwnership b = trainer("trainer-b");
        a.tryAcquire();
        CheckpointSink fencedA = new FencedCheckpointSink(real, a);
        Map<String, byte[]> state = Map.of("encoder", "weights".getBytes(StandardCharsets.UTF_8));
        fencedA.write(manifest(8), state);
        assertTrue(store.manifest(runId, 8).isPresent(), "while a holds the run, its checkpoints are written");

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!b.held() && System.nanoTime() < deadline) { // a hangs (a GC pause, a partition): no renewals
            b.tryAcquire();
            Thread.sleep(200);
        }
        assertTrue(b.held(), "b took the run over");

        assertThrows(
                OwnershipLostException.class,
                () -> fencedA.write(manifest(16), state),
                "a's next checkpoint after the takeover is refused");
        assertTrue(
                objects.list("runs/" + runId + "/checkpoints/0000000016", true).isEmpty()
                        && store.manifest(runId, 16).isEmpty(),
                "not one object of a's refused checkpoint reached storage: "
                        + objects.list("runs/" + runId + "/checkpoints/", true));
        assertThrows(
                OwnershipLostException.class,
                () -> fencedA.announce(
                        CheckpointEvent.newBuilder().setRunId(runId).build()),
                "nor is anything announced");
        assertTrue(announced.isEmpty(), "nothing reached the checkpoints topic");
    }

    @Test
    void renewalsKeepALiveLeaseHeldForLongerThanItsTtl() throws Exception {
        // a ttl of several renewals, so that a renewal thread starved on a loaded machine still keeps it
        RunOwnership.Settings settings =
                new RunOwnership.Settings(Duration.ofSeconds(6), Duration.ofSeconds(1), Duration.ofMillis(200));
        RunOwnership a = new RunOwnership(
                leases, runId, RunOwnership.Identity.of("trainer-a"), settings, System::nanoTime, SHORT, new Waits());
        RunOwnership b = new RunOwnership(
                leases, runId, RunOwnership.Identity.of("trainer-b"), settings, System::nanoTime, SHORT, new Waits());
        a.tryAcquire();
        List<String> losses = new ArrayList<>();
        try (RunOwnership.Renewing renewing = a.keepRenewing(losses::add)) {
            long end = System.nanoTime() + settings.ttl().multipliedBy(2).toNanos();
            while (System.nanoTime() < end) {
                Optional<RunOwnership.Holder> seen = b.tryAcquire();
                assertTrue(
                        seen.isPresent() && seen.get().owner().equals("trainer-a"), "b keeps waiting for a: " + seen);
                Thread.sleep(300);
            }
        }
        assertTrue(a.held() && !b.held(), "two ttls later a still holds the run it renewed");
        assertTrue(losses.isEmpty(), "a never lost it: " + losses);
        a.confirm(); // a checkpoint write may go ahead
        assertEquals(1, a.epoch(), "renewals keep the epoch");
    }

    @Test
    void aReleasedLeaseIsTakenAtOnceAndARestartedProcessOfTheSameInstanceTakesItsRunBack() {
        RunOwnership a = trainer("trainer-a");
        a.tryAcquire();
        a.release();
        RunOwnership b = trainer("trainer-b");

        assertEquals(Optional.empty(), b.tryAcquire(), "a released run is claimed without waiting out a ttl");
        assertEquals(2, b.epoch(), "with the next epoch: epochs never go back");

        RunOwnership bRestarted = trainer("trainer-b"); // same instance id, a new process (incarnation)
        assertEquals(Optional.empty(), bRestarted.tryAcquire(), "the restarted process takes its run back at once");
        assertEquals(3, bRestarted.epoch(), "as the next epoch");
        assertThrows(OwnershipLostException.class, b::renew, "the earlier process, were it alive, is fenced off");
    }

    @Test
    void leaseSettingsThatCouldLoseALiveLeaseAreRefusedNamingTheSetting() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new RunOwnership.Settings(
                        Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofMillis(500)));
        assertTrue(
                e.getMessage().contains("twinview.trainer.lease.renew-interval")
                        && e.getMessage().contains("PT20S"),
                "names the setting and its value: " + e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new RunOwnership.Settings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10)),
                "a settle delay as long as the renew interval is refused");
    }

    private CheckpointManifest manifest(long step) {
        return CheckpointManifest.newBuilder().setRunId(runId).setStep(step).build();
    }
}
