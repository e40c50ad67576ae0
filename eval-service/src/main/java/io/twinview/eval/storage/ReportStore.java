package io.twinview.eval.storage;

import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.core.paging.InvalidPageException;
import io.twinview.core.paging.Pages;
import io.twinview.core.storage.ObjectInfo;
import io.twinview.core.storage.ObjectStore;
import io.twinview.eval.service.ReportId;
import io.twinview.proto.v1.EvalReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * EvalReports as proto3 JSON next to their checkpoint:
 * {@code runs/<run-id>/checkpoints/<step>/reports/<report-id>.json}.
 */
public final class ReportStore {

    private static final Logger LOG = Logger.getLogger(ReportStore.class);
    private static final Pattern REPORT_KEY = Pattern.compile("runs/[^/]+/checkpoints/[0-9]+/reports/[^/]+\\.json");

    private final ObjectStore store;

    public ReportStore(ObjectStore store) {
        this.store = store;
    }

    public static String key(ReportId id) {
        return CheckpointKeys.reportKey(id.runId(), id.step(), id.toString());
    }

    /** Writes (or replaces) the report under its id's key; returns the key. */
    public String save(EvalReport report) {
        ReportId id = ReportId.parse(report.getReportId())
                .orElseThrow(() -> new IllegalArgumentException(
                        "report id '" + report.getReportId() + "' is not <run-id>.<step>.<8 hex>"));
        String key = key(id);
        store.put(key, ProtoJson.toJson(report), "application/json");
        return key;
    }

    public Optional<EvalReport> find(ReportId id) {
        String key = key(id);
        return store.find(key)
                .map(json -> ProtoJson.parse(json, EvalReport.newBuilder(), key).build());
    }

    /** Report keys of one run, or of every run when {@code runId} is null, in key order. */
    public List<String> keys(String runId) {
        String prefix = runId == null ? CheckpointKeys.runsPrefix() : CheckpointKeys.checkpointsPrefix(runId);
        List<String> keys = new ArrayList<>();
        for (ObjectInfo object : store.list(prefix, true)) {
            String key = object.key();
            if (REPORT_KEY.matcher(key).matches()) {
                keys.add(key);
            }
        }
        return keys;
    }

    /**
     * The reports of one run (every run when null) by run id, then step ascending, then report id.
     * Objects that do not parse are skipped with a warning.
     */
    public List<EvalReport> list(String runId) {
        List<EvalReport> reports = new ArrayList<>();
        for (String key : keys(runId)) {
            read(key).ifPresent(reports::add);
        }
        reports.sort(Comparator.comparing(ReportStore::listKey));
        return reports;
    }

    /**
     * A page of {@link #list(String)} (AIP-158: {@code page_size} 0 = 50, at most 1000; the token is
     * valid only for the same {@code runId}).
     *
     * @throws InvalidPageException naming page_size or page_token
     */
    public Pages.Page<EvalReport> page(String runId, int pageSize, String pageToken) {
        Pages.pageSize(pageSize); // refused before the listing is read
        return Pages.page(
                list(runId),
                pageSize,
                pageToken,
                runId == null ? "" : runId,
                ReportStore::listKey,
                Comparator.naturalOrder());
    }

    /** Orders reports by run id, then step ascending, then report id (run ids hold no character below '-'). */
    private static String listKey(EvalReport report) {
        return report.getRunId() + "\n" + String.format("%019d", report.getStep()) + "\n" + report.getReportId();
    }

    /**
     * Stored reports of the same run and request hash as {@code id} at other steps (their
     * random-init baseline is the same), newest step first.
     */
    public List<EvalReport> sameRequest(ReportId id) {
        String suffix = "." + id.requestHash() + ".json";
        List<EvalReport> reports = new ArrayList<>();
        for (String key : keys(id.runId())) {
            String name = key.substring(key.lastIndexOf('/') + 1);
            if (name.startsWith(id.runId() + ".") && name.endsWith(suffix)) {
                read(key).ifPresent(reports::add);
            }
        }
        reports.sort(Comparator.comparingLong(EvalReport::getStep).reversed());
        return reports;
    }

    private Optional<EvalReport> read(String key) {
        try {
            return store.find(key)
                    .map(json ->
                            ProtoJson.parse(json, EvalReport.newBuilder(), key).build());
        } catch (IllegalArgumentException e) {
            LOG.warnf("skipping report %s: %s", key, e.getMessage());
            return Optional.empty();
        }
    }
}
