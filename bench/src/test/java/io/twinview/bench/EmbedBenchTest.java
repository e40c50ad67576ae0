package io.twinview.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./twinview bench embed} run for real, briefly: through gRPC to eval-service started from its fast-jar
 * (the checkout's, {@code twinview.home}) over a real S3Proxy, and in process.
 */
class EmbedBenchTest {

    /** encoder, px, batching, callers, images/s, p50 ms, p99 ms, fwd batch. */
    private static final Pattern ROW = Pattern.compile(
            "(\\S+)\\s+(\\d+)\\s+(on|off)\\s+(\\d+)\\s+(\\d+\\.\\d)\\s+(\\d+\\.\\d\\d)\\s+(\\d+\\.\\d\\d)\\s+(\\d+\\.\\d\\d)");

    private static final String[] BRIEF = {
        "--seconds", "0.5", "--warmup-seconds", "0.3", "--callers", "1,2", "--encoders", "small"
    };

    /**
     * Batching off only, to start one eval-service JVM (the slow part of this test): with 2 callers its mean forward
     * batch of 1 shows the setting reached the service. Batching on through gRPC is EmbedGrpcServiceTest's default.
     */
    @Test
    void throughTheServiceEveryRowIsMeasuredAndBatchingReachesTheService() {
        List<String> lines = run(with(BRIEF, "--batching", "off"));

        assertTrue(
                lines.get(0).contains("gRPC Embed on loopback") && lines.get(0).contains("max-batch 64"),
                "the first line says what is measured: " + lines.get(0));
        checkRows(lines, "off");
    }

    @Test
    void inProcessMeasuresTheBatcherAlone() {
        List<String> lines = run(with(BRIEF, "--in-process"));

        assertTrue(lines.get(0).contains("in process"), "the first line says it is in process: " + lines.get(0));
        checkRows(lines, "on", "off");
    }

    @Test
    void anUnknownEncoderIsNamedWithTheAllowedOnes() {
        EmbedBench bench = new EmbedBench();
        new CommandLine(bench).parseArgs("--encoders", "small,resnet50");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bench::call);
        assertEquals(
                "--encoders has 'resnet50'; allowed: small, resnet18",
                e.getMessage(),
                "the message names the option, the value and what is allowed");
    }

    /** Rows for each batching setting in order, each for 1 and 2 callers, of the small encoder at 32 px. */
    private static void checkRows(List<String> lines, String... batching) {
        assertTrue(
                lines.get(1)
                        .matches("encoder\\s+px\\s+batching\\s+callers\\s+images/s\\s+p50 ms\\s+p99 ms\\s+fwd batch"),
                "a header names the columns: " + lines.get(1));
        List<Matcher> rows = new ArrayList<>();
        for (String line : lines.subList(2, lines.size())) {
            Matcher m = ROW.matcher(line.strip());
            assertTrue(m.matches(), "every line after the header is a well-formed row: '" + line + "'");
            rows.add(m);
        }
        assertEquals(2 * batching.length, rows.size(), "one row per batching setting and caller count: " + lines);
        for (int i = 0; i < rows.size(); i++) {
            Matcher row = rows.get(i);
            String where = "row '" + row.group() + "'";
            assertEquals("small", row.group(1), where + ": the encoder asked for");
            assertEquals("32", row.group(2), where + ": the small encoder's image size");
            assertEquals(batching[i / 2], row.group(3), where + ": the batching settings asked for, in order");
            assertEquals(String.valueOf(i % 2 + 1), row.group(4), where + ": the callers asked for, in order");
            assertTrue(Double.parseDouble(row.group(5)) > 0, where + ": images were embedded");
            double p50 = Double.parseDouble(row.group(6));
            double p99 = Double.parseDouble(row.group(7));
            assertTrue(p50 > 0 && p50 <= p99, where + ": 0 < p50 <= p99");
            double batch = Double.parseDouble(row.group(8));
            if (row.group(3).equals("off")) {
                assertEquals(1.0, batch, 1e-9, where + ": without batching every pass holds one call's image");
            } else {
                assertTrue(
                        batch >= 1.0 && batch <= Integer.parseInt(row.group(4)),
                        where + ": a pass holds at most one image per caller");
            }
        }
    }

    private static String[] with(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    private static List<String> run(String... args) {
        StringWriter out = new StringWriter();
        int code =
                new CommandLine(new EmbedBench()).setOut(new PrintWriter(out)).execute(args);
        assertEquals(0, code, "the bench ends well; it printed:\n" + out);
        return out.toString().lines().toList();
    }
}
