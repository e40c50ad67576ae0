package io.twinview.eval.service;

import io.twinview.core.checkpoint.RunIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names a report so that it can be found without scanning: {@code <run-id>.<step>.<request hash>},
 * e.g. {@code demo-1.600.3fa94c1e}. The hash is the first 8 hex digits of the SHA-256 of the
 * canonical train URI, the canonical test URI and k (one per line), so the same request for the
 * same checkpoint always gets the same id (and the stored report), while another set or k gets
 * another. Run ids ({@link RunIds}) are {@code [a-z0-9-]}, so the dots split the id unambiguously; the object key is
 * {@code CheckpointKeys.reportKey(runId, step, id)}.
 */
public record ReportId(String runId, long step, String requestHash) {

    private static final Pattern FORMAT = Pattern.compile("(" + RunIds.REGEX + ")\\.([0-9]{1,18})\\.([0-9a-f]{8})");

    public static ReportId of(String runId, long step, String trainUri, String testUri, int k) {
        return new ReportId(runId, step, requestHash(trainUri, testUri, k));
    }

    static String requestHash(String trainUri, String testUri, int k) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((trainUri + "\n" + testUri + "\n" + k).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The id of that text, or empty when it is not of the form {@code <run-id>.<step>.<8 hex>}. */
    public static Optional<ReportId> parse(String text) {
        Matcher matcher = FORMAT.matcher(text == null ? "" : text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(new ReportId(matcher.group(1), Long.parseLong(matcher.group(2)), matcher.group(3)));
    }

    @Override
    public String toString() {
        return runId + "." + step + "." + requestHash;
    }
}
