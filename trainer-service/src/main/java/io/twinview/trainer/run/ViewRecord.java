package io.twinview.trainer.run;

/** One record of a run's views topic: where it sits and its serialised ViewBatch. */
public record ViewRecord(int partition, long offset, byte[] value) {}
