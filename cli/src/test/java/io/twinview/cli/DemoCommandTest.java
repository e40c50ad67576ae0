package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `./twinview demo --json` as the command runs it, on a tiny run. */
class DemoCommandTest {

    @Test
    void demoEndsWithOneJsonLineHoldingTheResults() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            exit = new CommandLine(new TwinviewCli())
                    .execute("demo", "--dataset", "synthetic:?n=256", "--epochs", "2", "--batch-size", "64", "--json");
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        original.println(output);
        assertEquals(0, exit, "demo exits 0 after stopping everything");
        String[] lines = output.strip().split("\\R");
        JsonObject json = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        for (String key : List.of(
                "run_id",
                "method",
                "encoder",
                "epochs",
                "steps",
                "checkpoint",
                "knn_top1",
                "linear_top1",
                "random_knn_top1",
                "random_linear_top1",
                "train_pairs_per_s",
                "input_wait_fraction",
                "wall_s")) {
            assertTrue(json.has(key), "the JSON line has " + key + ": " + json);
        }
        assertEquals("simclr", json.get("method").getAsString());
        assertEquals(8, json.get("steps").getAsInt(), "2 epochs x 256 / 64");
        assertTrue(
                json.get("checkpoint").getAsString().startsWith("s3://twinview/runs/"),
                json.get("checkpoint").getAsString());
        for (String accuracy : List.of("knn_top1", "linear_top1", "random_knn_top1", "random_linear_top1")) {
            double value = json.get(accuracy).getAsDouble();
            assertTrue(value >= 0 && value <= 1, accuracy + " is a fraction: " + value);
        }
        assertTrue(json.get("train_pairs_per_s").getAsDouble() > 0, "throughput measured");
        double inputWait = json.get("input_wait_fraction").getAsDouble();
        assertTrue(
                inputWait > 0 && inputWait < 1,
                "the trainer waited for the first views, then trained: a fraction in (0, 1): " + inputWait);
    }
}
