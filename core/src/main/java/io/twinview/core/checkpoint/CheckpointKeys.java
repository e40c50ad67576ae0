package io.twinview.core.checkpoint;

/**
 * Object layout of runs in the bucket:
 * <pre>
 *   runs/&lt;run-id&gt;/checkpoints/&lt;step, 10 digits&gt;/encoder.params
 *                                               /heads.params
 *                                               /optimizer.ndlist
 *                                               /manifest.json      (written last)
 *                                               /reports/&lt;report-id&gt;.json
 * </pre>
 * Steps are zero-padded so that a lexicographic listing is in step order.
 */
public final class CheckpointKeys {

    public static final String MANIFEST = "manifest.json";

    private CheckpointKeys() {}

    public static String runsPrefix() {
        return "runs/";
    }

    public static String checkpointsPrefix(String runId) {
        return "runs/" + runId + "/checkpoints/";
    }

    public static String checkpointPrefix(String runId, long step) {
        return checkpointsPrefix(runId) + String.format("%010d", step) + "/";
    }

    public static String manifestKey(String runId, long step) {
        return checkpointPrefix(runId, step) + MANIFEST;
    }

    public static String objectKey(String runId, long step, String fileName) {
        return checkpointPrefix(runId, step) + fileName;
    }

    public static String reportKey(String runId, long step, String reportId) {
        return checkpointPrefix(runId, step) + "reports/" + reportId + ".json";
    }

    /** The step of a "runs/&lt;id&gt;/checkpoints/&lt;step&gt;/" prefix, or -1 when it is not one. */
    public static long stepOf(String checkpointPrefix) {
        String trimmed = checkpointPrefix.endsWith("/")
                ? checkpointPrefix.substring(0, checkpointPrefix.length() - 1)
                : checkpointPrefix;
        String last = trimmed.substring(trimmed.lastIndexOf('/') + 1);
        try {
            return Long.parseLong(last);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
