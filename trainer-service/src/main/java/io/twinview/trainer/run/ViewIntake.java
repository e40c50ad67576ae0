package io.twinview.trainer.run;

import com.google.protobuf.InvalidProtocolBufferException;
import io.twinview.proto.v1.ViewBatch;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Turns the records of the views topic into records of the ordered pair stream
 * ({@link BatchAssembler}): drops (and counts) records that do not parse or do not fit the run's
 * task plan ({@link ViewBatches}), drops duplicate (task id, sequence) records and records of
 * places the stream has passed (trained before a resume), marks a record with unusable pixels as
 * a gap, and counts the samples workers could not read.
 */
final class ViewIntake {

    /** Rejected records logged at WARN each, before only every thousandth is. */
    static final int WARNED_REJECTIONS = 100;

    private final String runId;
    private final String viewsTopic;
    private final int imageSize;
    private final TaskPlan plan;
    private final TaskWindow window;
    private final BatchAssembler assembler;
    private final RunCounters counters;
    private final LongSupplier clock;

    ViewIntake(
            String runId,
            String viewsTopic,
            int imageSize,
            TaskPlan plan,
            TaskWindow window,
            BatchAssembler assembler,
            RunCounters counters,
            LongSupplier clock) {
        this.runId = runId;
        this.viewsTopic = viewsTopic;
        this.imageSize = imageSize;
        this.plan = plan;
        this.window = window;
        this.assembler = assembler;
        this.counters = counters;
        this.clock = clock;
    }

    void handle(ViewRecord record) {
        ViewBatch batch;
        try {
            batch = ViewBatch.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            reject(record, "does not parse as a ViewBatch: " + e.getMessage());
            return;
        }
        String forged = ViewBatches.identityProblem(batch, runId, plan);
        if (forged != null) {
            reject(record, forged); // not a record of the plan: the ledger and the window never see it
            return;
        }
        TaskLedger ledger = window.ledger();
        String corrupt = ViewBatches.payloadProblem(batch, imageSize);
        if (corrupt != null) {
            // a record of the plan with unusable pixels: its pairs are lost; the stream steps over its
            // place and the task completes
            if (ledger.accept(batch.getTaskId(), batch.getSequence(), batch.getBatchCount())
                    == TaskLedger.Verdict.NEW) {
                assembler.gap(record.partition(), record.offset(), batch.getTaskId(), batch.getSequence());
            }
            reject(record, corrupt);
            return;
        }
        window.active(clock.getAsLong());
        if (ledger.accept(batch.getTaskId(), batch.getSequence(), batch.getBatchCount()) == TaskLedger.Verdict.DUPLICATE
                || !assembler.add(
                        record.partition(),
                        record.offset(),
                        batch.getTaskId(),
                        batch.getSequence(),
                        batch.getView1().toByteArray(),
                        batch.getView2().toByteArray(),
                        batch.getSampleIndicesList().stream()
                                .mapToLong(Long::longValue)
                                .toArray(),
                        batch.getRejectedSampleIndicesList().stream()
                                .mapToLong(Long::longValue)
                                .toArray())) {
            counters.duplicateBatch();
            assembler.passed(record.partition(), record.offset());
            return;
        }
        if (batch.getRejectedSampleIndicesCount() > 0) {
            counters.rejectedSamples(batch.getRejectedSampleIndicesCount());
            RunExecution.LOG.debugf(
                    "run %s: task %d record %d: %d unreadable sample(s) rejected by worker %s",
                    runId,
                    batch.getTaskId(),
                    batch.getSequence(),
                    batch.getRejectedSampleIndicesCount(),
                    batch.getWorkerId());
        }
    }

    private void reject(ViewRecord record, String reason) {
        long rejected = counters.rejectedBatch();
        assembler.passed(record.partition(), record.offset());
        // a flood of forged records must not become a flood of log lines: the first ones and every
        // thousandth at WARN, the rest at DEBUG; the count is exact either way
        boolean warn = rejected <= WARNED_REJECTIONS || rejected % 1000 == 0;
        RunExecution.LOG.logf(
                warn ? Logger.Level.WARN : Logger.Level.DEBUG,
                "run %s: skipped ViewBatch at %s partition %d offset %d: %s (%d skipped so far)",
                runId,
                viewsTopic,
                record.partition(),
                record.offset(),
                reason,
                rejected);
    }
}
