package io.twinview.trainer.service;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.StorageErrors;
import io.twinview.core.storage.StorageException;
import io.twinview.proto.v1.RunLease;
import io.twinview.trainer.storage.LeaseStore;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * This trainer's side of one run's lease ({@code runs/<id>/lease.json}, {@link RunLease}): at most
 * one trainer holds a run at a time, and only the holder trains it and writes its checkpoints.
 *
 * <ul>
 *   <li>{@link #tryAcquire()} claims a run nobody holds, one whose holder released it, one an earlier
 *       process of this same instance held, or one whose lease this trainer has seen unchanged for the
 *       lease's ttl, timed on its own monotonic clock (no clock skew between trainers matters). A
 *       takeover writes epoch + 1. Every claim is a conditional write (the ETag read) read back after
 *       {@code settle}: of two racing claimers the last writer wins and the other goes on waiting.
 *   <li>{@link #renew()} (every {@code renewInterval}, and by {@link #confirm()} before every
 *       checkpoint write) rewrites the lease only if nobody wrote it since this trainer did: a failed
 *       condition means another trainer took it over, and this one has lost the run for good.
 *   <li>A read that fails restarts a waiter's count: a storage outage that stops the holder renewing
 *       never lets a waiter take over.
 * </ul>
 *
 * Thread-safe: the training thread and the renewal thread share it.
 */
public final class RunOwnership {

    private static final Logger LOG = RunManager.LOG;

    /**
     * Who this trainer process is.
     *
     * @param owner {@code twinview.trainer.instance-id}: unique among the trainers that run at once
     * @param incarnation random per process: a restarted process of the same owner is another incarnation
     */
    public record Identity(String owner, String incarnation) {

        /** {@code owner}, or {@code <hostname>-<pid>} when it is blank, with a fresh incarnation. */
        public static Identity of(String owner) {
            String id = owner == null || owner.isBlank()
                    ? hostname() + "-" + ProcessHandle.current().pid()
                    : owner;
            byte[] random = new byte[6];
            ThreadLocalRandom.current().nextBytes(random);
            return new Identity(id, HexFormat.of().formatHex(random));
        }

        private static String hostname() {
            String fromEnv = System.getenv("HOSTNAME"); // a pod's name under Kubernetes
            if (fromEnv != null && !fromEnv.isBlank()) {
                return fromEnv;
            }
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                String jvm = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
                return jvm.contains("@") ? jvm.substring(jvm.indexOf('@') + 1) : "trainer";
            }
        }
    }

    /**
     * @param ttl how long a lease lives unrenewed before a waiter may take it over
     * @param renewInterval how often the holder renews: at most half the ttl, so one missed renewal loses nothing
     * @param settle how long a claimer waits before reading its claim back (a racing claim lands meanwhile)
     */
    public record Settings(Duration ttl, Duration renewInterval, Duration settle) {

        public Settings {
            if (ttl == null || ttl.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException(
                        "twinview.trainer.lease.ttl is " + ttl + ": it must be at least 100 ms (default 30s)");
            }
            if (renewInterval == null
                    || renewInterval.isNegative()
                    || renewInterval.isZero()
                    || renewInterval.multipliedBy(2).compareTo(ttl) > 0) {
                throw new IllegalArgumentException("twinview.trainer.lease.renew-interval is " + renewInterval
                        + ": it must be above 0 and at most half of twinview.trainer.lease.ttl (" + ttl
                        + "), so that one missed renewal does not lose the lease (default 10s)");
            }
            if (settle == null || settle.isNegative() || settle.compareTo(renewInterval) >= 0) {
                throw new IllegalArgumentException("twinview.trainer.lease.settle is " + settle
                        + ": it must be at least 0 and below twinview.trainer.lease.renew-interval (" + renewInterval
                        + ") (default 500ms)");
            }
        }
    }

    /** The trainer that holds the run while this one does not. */
    public record Holder(String runId, String owner, long epoch, Instant expiresAt, Duration ttl) {

        /** Why this trainer does not train the run: for logs, RunProgress.message and errors. */
        public String describe() {
            return "run " + runId + " is trained by " + owner + " (lease epoch " + epoch + " until " + expiresAt
                    + " by its clock): this trainer waits, and takes over if that lease goes unrenewed for "
                    + ttl.toSeconds() + " s";
        }
    }

    private final LeaseStore store;
    private final String runId;
    private final Identity me;
    private final Settings settings;
    private final LongSupplier nanos;
    private final Backoff storageBackoff;
    private final Waits waits;

    /** The lease as this trainer last wrote it, while it holds it. */
    private RunLease mine;

    private String etag;
    private boolean lost;
    private String lostReason = "";
    /** A waiter's view: the ETag it last read and since when (its own clock) it has read it unchanged. */
    private String seenEtag;

    private long seenSinceNanos;
    private Optional<Holder> holder = Optional.empty();

    /**
     * @param storageBackoff how long {@link #confirm()} waits storage out before it gives up
     * @param waits where {@link #confirm()} reports waiting for storage
     */
    public RunOwnership(
            LeaseStore store,
            String runId,
            Identity me,
            Settings settings,
            LongSupplier nanos,
            Backoff storageBackoff,
            Waits waits) {
        this.store = store;
        this.runId = runId;
        this.me = me;
        this.settings = settings;
        this.nanos = nanos;
        this.storageBackoff = storageBackoff;
        this.waits = waits;
    }

    public String runId() {
        return runId;
    }

    public Identity identity() {
        return me;
    }

    public Settings settings() {
        return settings;
    }

    public synchronized boolean held() {
        return mine != null && !lost;
    }

    /** Whether this trainer held the run and another took it over. */
    public synchronized boolean lost() {
        return lost;
    }

    public synchronized String lostReason() {
        return lostReason;
    }

    /** This trainer's epoch while it holds the run, else the holder's last seen; 0 when none. */
    public synchronized long epoch() {
        if (mine != null) {
            return mine.getEpoch();
        }
        return holder.map(Holder::epoch).orElse(0L);
    }

    /** The other trainer holding the run, as last seen by {@link #tryAcquire()}. */
    public synchronized Optional<Holder> holder() {
        return held() ? Optional.empty() : holder;
    }

    /**
     * One try to hold the run (a few requests, and a settle delay after a claim).
     *
     * @return empty when this trainer holds the run now; else the trainer that does
     * @throws OwnershipLostException when this trainer held it and lost it
     * @throws StorageException when storage cannot be read or written (a waiter's count starts again)
     */
    public synchronized Optional<Holder> tryAcquire() {
        if (lost) {
            throw new OwnershipLostException(lostReason);
        }
        if (mine != null) {
            return Optional.empty();
        }
        Optional<LeaseStore.Versioned> current;
        try {
            current = store.read(runId);
        } catch (StorageException e) {
            seenEtag = null; // unseen time never counts towards a takeover
            throw e;
        }
        Optional<String> written;
        if (current.isEmpty()) {
            written = store.create(lease(1));
        } else {
            RunLease theirs = current.get().lease();
            String theirEtag = current.get().etag();
            boolean mineAlready = theirs.getOwner().equals(me.owner())
                    && theirs.getIncarnation().equals(me.incarnation())
                    && !theirs.getReleased();
            if (mineAlready) { // a claim whose write outlived its caller's timeout: ours after all
                written = Optional.of(theirEtag);
            } else if (!takeable(theirs, theirEtag)) {
                return Optional.of(remember(theirs));
            } else {
                LOG.infof("run %s: taking over the lease from %s", runId, describeTakeover(theirs));
                written = store.replace(lease(theirs.getEpoch() + 1), theirEtag);
            }
        }
        if (written.isEmpty()) { // another claimer wrote first
            return store.read(runId).map(v -> remember(v.lease())).or(() -> holder);
        }
        sleep(settings.settle());
        Optional<LeaseStore.Versioned> readBack = store.read(runId);
        if (readBack.isEmpty() || !isMine(readBack.get().lease())) {
            LOG.infof("run %s: a racing claim won the lease", runId);
            seenEtag = null;
            return readBack.map(v -> remember(v.lease())).or(() -> holder);
        }
        mine = readBack.get().lease();
        etag = readBack.get().etag();
        holder = Optional.empty();
        LOG.infof("run %s: this trainer (%s) holds the lease, epoch %d", runId, me.owner(), mine.getEpoch());
        return Optional.empty();
    }

    /** Whether a lease of another incarnation may be taken now; starts or continues the unchanged-for-ttl count. */
    private boolean takeable(RunLease theirs, String theirEtag) {
        if (theirs.getReleased()) {
            return true;
        }
        if (theirs.getOwner().equals(me.owner())) {
            return true; // an earlier process of this instance: it restarted, and no process of it trains any more
        }
        long now = nanos.getAsLong();
        if (!theirEtag.equals(seenEtag)) {
            seenEtag = theirEtag;
            seenSinceNanos = now;
            return false;
        }
        return now - seenSinceNanos >= ttlOf(theirs).toNanos();
    }

    private String describeTakeover(RunLease theirs) {
        if (theirs.getReleased()) {
            return theirs.getOwner() + ", who released it at epoch " + theirs.getEpoch();
        }
        if (theirs.getOwner().equals(me.owner())) {
            return "an earlier process of this instance (epoch " + theirs.getEpoch() + ")";
        }
        return theirs.getOwner() + " (epoch " + theirs.getEpoch() + "), unrenewed for "
                + ttlOf(theirs).toSeconds() + " s";
    }

    private Holder remember(RunLease theirs) {
        Holder seen = new Holder(
                runId,
                theirs.getOwner(),
                theirs.getEpoch(),
                Instant.ofEpochMilli(Timestamps.toMillis(theirs.getExpiresAt())),
                ttlOf(theirs));
        holder = Optional.of(seen);
        return seen;
    }

    private Duration ttlOf(RunLease lease) {
        return lease.hasTtl() && Durations.toMillis(lease.getTtl()) > 0
                ? Duration.ofMillis(Durations.toMillis(lease.getTtl()))
                : settings.ttl();
    }

    private boolean isMine(RunLease lease) {
        return lease.getOwner().equals(me.owner())
                && lease.getIncarnation().equals(me.incarnation())
                && !lease.getReleased();
    }

    private RunLease lease(long epoch) {
        long now = System.currentTimeMillis();
        return RunLease.newBuilder()
                .setRunId(runId)
                .setOwner(me.owner())
                .setIncarnation(me.incarnation())
                .setEpoch(epoch)
                .setTtl(Durations.fromMillis(settings.ttl().toMillis()))
                .setAcquiredAt(Timestamps.fromMillis(now))
                .setRenewedAt(Timestamps.fromMillis(now))
                .setExpiresAt(Timestamps.fromMillis(now + settings.ttl().toMillis()))
                .build();
    }

    /**
     * Rewrites the lease if nobody wrote it since this trainer did.
     *
     * @throws OwnershipLostException when another trainer took the run over (for good)
     * @throws StorageException when storage is away: nothing is known, nothing is lost yet
     */
    public synchronized void renew() {
        if (lost) {
            throw new OwnershipLostException(lostReason);
        }
        if (mine == null) {
            throw new IllegalStateException("run " + runId + ": renew before this trainer holds the lease");
        }
        long now = System.currentTimeMillis();
        RunLease renewed = mine.toBuilder()
                .setRenewedAt(Timestamps.fromMillis(now))
                .setExpiresAt(Timestamps.fromMillis(now + settings.ttl().toMillis()))
                .build();
        Optional<String> written = store.replace(renewed, etag);
        if (written.isEmpty()) {
            String holderNow = store.read(runId)
                    .map(v -> v.lease().getOwner() + " holds it at epoch "
                            + v.lease().getEpoch() + (v.lease().getReleased() ? " (released)" : ""))
                    .orElse("its lease was deleted");
            lost = true;
            lostReason = "run " + runId + ": this trainer (" + me.owner() + ", epoch " + mine.getEpoch()
                    + ") lost the run: " + holderNow + "; it stops without writing anything more of the run";
            LOG.error(lostReason);
            throw new OwnershipLostException(lostReason);
        }
        mine = renewed;
        etag = written.get();
    }

    /**
     * The check before a checkpoint write: renews the lease (so the write has a whole ttl ahead of it),
     * waiting a storage outage out as long as {@code storageBackoff} allows; a permanent storage error
     * (bad credentials, a missing bucket, a lease that does not parse) fails at once.
     *
     * @throws OwnershipLostException when another trainer holds the run: write nothing
     */
    public void confirm() {
        storageBackoff.call(
                () -> {
                    renew();
                    return null;
                },
                e -> e instanceof StorageException && StorageErrors.isTransient(e), // bad credentials fail at once
                waits.on(Waits.STORAGE));
    }

    /**
     * Renews every {@code renewInterval} on a thread of its own until closed; tells {@code onLost} once
     * if another trainer takes the run over. A renewal that storage refuses is tried again at the next
     * tick: an outage loses nothing by itself.
     */
    public Renewing keepRenewing(Consumer<String> onLost) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "lease-" + runId);
            thread.setDaemon(true);
            return thread;
        });
        long every = settings.renewInterval().toMillis();
        executor.scheduleWithFixedDelay(
                () -> {
                    try {
                        renew();
                    } catch (OwnershipLostException e) {
                        executor.shutdown();
                        onLost.accept(e.getMessage());
                    } catch (RuntimeException e) {
                        LOG.warnf(
                                "run %s: lease renewal failed, trying again in %d ms: %s",
                                runId, every, e.getMessage());
                    }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
        return () -> {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** The renewal thread; closing it stops the renewals (it does not release the lease). */
    public interface Renewing extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Gives the run up (it ended, or this process shuts down): the lease stays, marked released with its
     * epoch, and the next claimer takes it at once. Best effort: an unreleased lease expires by itself.
     */
    public synchronized void release() {
        if (mine == null || lost) {
            return;
        }
        try {
            Optional<String> written =
                    store.replace(mine.toBuilder().setReleased(true).build(), etag);
            if (written.isEmpty()) {
                LOG.warnf("run %s: the lease changed before this trainer released it", runId);
            } else {
                LOG.infof("run %s: released the lease (epoch %d)", runId, mine.getEpoch());
            }
        } catch (RuntimeException e) {
            LOG.warnf(
                    "run %s: could not release the lease, it expires in %d s: %s",
                    runId, settings.ttl().toSeconds(), e.getMessage());
        }
        mine = null;
        etag = null;
    }

    private static void sleep(Duration duration) {
        if (duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the read-back comes at once: shutting down, the claim may lose a race
        }
    }
}
