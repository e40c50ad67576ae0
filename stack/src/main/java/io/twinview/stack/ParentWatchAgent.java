package io.twinview.stack;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Java agent loaded into every child that {@link JavaProcess} starts (unless
 * {@code dieWithParent(false)}): when the parent JVM is gone, the child exits too.
 *
 * <p>Shutdown hooks in the parent cover a normal exit and Ctrl-C; this covers the case hooks
 * cannot, a SIGKILLed (or crashed) parent. The child then runs its own shutdown hooks as if it
 * had received SIGTERM, and halts if they take longer than {@link #HALT_AFTER_SECONDS}.
 *
 * <p>It is copied alone into a tiny agent jar (see {@link JavaProcess}), so it must not use any
 * other class of this project nor any library: the JDK only, printing to the child's stderr,
 * which is the child's log file.
 */
public final class ParentWatchAgent {

    static final long POLL_MILLIS = 1000;
    static final long HALT_AFTER_SECONDS = 30;
    /** 128 + SIGTERM, what the child would report had it received SIGTERM. */
    static final int EXIT_PARENT_GONE = 143;

    private ParentWatchAgent() {}

    /** @param args the parent's pid */
    public static void premain(String args) {
        long parentPid = Long.parseLong(args.trim());
        ProcessHandle parent = ProcessHandle.of(parentPid).orElse(null);
        if (parent == null || !parent.isAlive()) {
            System.err.println("[twinview] parent process " + parentPid + " is already gone; exiting");
            Runtime.getRuntime().halt(EXIT_PARENT_GONE);
        }
        // two threads: one may block in System.exit while the other halts a stuck shutdown
        ScheduledExecutorService watch = Executors.newScheduledThreadPool(2, task -> {
            Thread thread = new Thread(task, "twinview-parent-watch");
            thread.setDaemon(true);
            return thread;
        });
        watch.scheduleWithFixedDelay(
                () -> {
                    if (!parent.isAlive()) {
                        System.err.println("[twinview] parent process " + parentPid + " is gone; shutting down");
                        watch.schedule(
                                () -> Runtime.getRuntime().halt(EXIT_PARENT_GONE),
                                HALT_AFTER_SECONDS,
                                TimeUnit.SECONDS);
                        System.exit(EXIT_PARENT_GONE);
                    }
                },
                POLL_MILLIS,
                POLL_MILLIS,
                TimeUnit.MILLISECONDS);
    }
}
