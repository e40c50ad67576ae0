package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code twinview data fetch} against a small fake archive served on loopback (JDK HttpServer, Range supported). */
class DataFetchTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    private byte[] archive;
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** A cifar-10-binary.tar.gz in the official layout: 3 train records in data_batch_1, 1 in test_batch. */
    static byte[] fakeCifar10Archive() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            add(tar, "cifar-10-batches-bin/data_batch_1.bin", records(3));
            add(tar, "cifar-10-batches-bin/test_batch.bin", records(1));
            add(
                    tar,
                    "cifar-10-batches-bin/batches.meta.txt",
                    String.join(
                                    "\n",
                                    "airplane",
                                    "automobile",
                                    "bird",
                                    "cat",
                                    "deer",
                                    "dog",
                                    "frog",
                                    "horse",
                                    "ship",
                                    "truck")
                            .getBytes(StandardCharsets.UTF_8));
            add(tar, "cifar-10-batches-bin/readme.html", "<html></html>".getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static byte[] records(int n) {
        byte[] data = new byte[n * 3073];
        for (int r = 0; r < n; r++) {
            data[r * 3073] = (byte) (r + 1);
            for (int p = 1; p < 3073; p++) {
                data[r * 3073 + p] = (byte) (p * 7 + r);
            }
        }
        return data;
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    @BeforeEach
    void serve() throws IOException {
        archive = fakeCifar10Archive();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mirror/cifar-10-binary.tar.gz", exchange -> {
            String range = exchange.getRequestHeaders().getFirst("Range");
            int from = 0;
            if (range != null) {
                ranges.add(range);
                from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
                if (from >= archive.length) {
                    exchange.sendResponseHeaders(416, -1); // Range Not Satisfiable: the client has it all
                    exchange.close();
                    return;
                }
                exchange.getResponseHeaders()
                        .add("Content-Range", "bytes " + from + "-" + (archive.length - 1) + "/" + archive.length);
                exchange.sendResponseHeaders(206, archive.length - from);
            } else {
                exchange.sendResponseHeaders(200, archive.length);
            }
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(archive, from, archive.length - from);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/mirror/";
    }

    private String archiveMd5() throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(archive));
    }

    private int run(String... args) {
        CommandLine cl = new CommandLine(new TwinviewCli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void fetchesVerifiesAndExtractsSoThatTheUriOpens() throws Exception {
        Path dir = tmp.resolve("cifar10");

        int code = run("data", "fetch", "cifar10", dir.toString(), "--base-url", baseUrl(), "--md5", archiveMd5());

        assertEquals(0, code, "fetch succeeds; stderr: " + err);
        ImageDataset train = Datasets.open("cifar10:" + dir);
        assertEquals(3, train.size(), "data_batch_1.bin extracted directly into DIR");
        assertEquals(List.of(1, 2, 3), List.of(train.label(0), train.label(1), train.label(2)));
        assertEquals(1, Datasets.open("cifar10:" + dir + "?split=test").size());
        assertTrue(Files.isRegularFile(dir.resolve(".twinview-fetch")), "the completion marker is written");
        assertFalse(Files.exists(tmp.resolve(".cifar10.fetch")), "the work folder (archive) is removed after success");

        int again = run("data", "fetch", "cifar10", dir.toString(), "--base-url", baseUrl(), "--md5", archiveMd5());
        assertEquals(0, again, "a second fetch is a no-op");
        assertTrue(out.toString().contains("already in"), out.toString());
    }

    @Test
    void anInterruptedDownloadResumesWithARangeRequest() throws Exception {
        Path dir = tmp.resolve("c10");
        Path work = Files.createDirectories(tmp.resolve(".c10.fetch"));
        Files.write(work.resolve("cifar-10-binary.tar.gz.part"), java.util.Arrays.copyOf(archive, archive.length / 2));

        int code = run("data", "fetch", "cifar10", dir.toString(), "--base-url", baseUrl(), "--md5", archiveMd5());

        assertEquals(0, code, "resumed fetch succeeds; stderr: " + err);
        assertEquals(List.of("bytes=" + archive.length / 2 + "-"), ranges, "only the missing bytes were requested");
        assertEquals(3, Datasets.open("cifar10:" + dir).size(), "the resumed archive is whole");
    }

    @Test
    void aCompleteDownloadLeftByACrashedRunIsExtractedWithoutDownloadingAgain() throws Exception {
        Path dir = tmp.resolve("c10");
        Path work = Files.createDirectories(tmp.resolve(".c10.fetch"));
        Files.write(work.resolve("cifar-10-binary.tar.gz.part"), archive);
        Files.createDirectories(work.resolve("extracted/half-written")); // what a crash during extraction leaves

        int code = run("data", "fetch", "cifar10", dir.toString(), "--base-url", baseUrl(), "--md5", archiveMd5());

        assertEquals(0, code, "stderr: " + err);
        assertEquals(List.of("bytes=" + archive.length + "-"), ranges, "asked only for bytes past the end (416)");
        assertFalse(Files.exists(dir.resolve("half-written")), "extraction restarted from scratch");
        assertEquals(3, Datasets.open("cifar10:" + dir).size());
    }

    @Test
    void aChecksumMismatchFailsAndLeavesNothingThatLooksComplete() {
        Path dir = tmp.resolve("cifar10");

        int code = run(
                "data",
                "fetch",
                "cifar10",
                dir.toString(),
                "--base-url",
                baseUrl()); // the published MD5 is not the fake's

        assertEquals(1, code, "a checksum mismatch is a failure");
        String message = err.toString();
        assertTrue(message.contains("checksum mismatch for " + baseUrl() + "cifar-10-binary.tar.gz"), message);
        assertTrue(
                message.contains("expected c32a1d4ab5d03f1284b67883e8d87530"), "names the published MD5: " + message);
        assertFalse(Files.exists(dir), "DIR is not created");
        assertFalse(
                Files.exists(tmp.resolve(".cifar10.fetch/cifar-10-binary.tar.gz.part")),
                "the bad download is deleted, so a rerun starts afresh");
    }

    @Test
    void anUnreachableHostFailsNamingTheAddress() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String base = "http://127.0.0.1:" + closedPort + "/kriz/";

        int code = run("data", "fetch", "cifar100", tmp.resolve("c100").toString(), "--base-url", base);

        assertEquals(1, code, "no connection is a failure");
        assertTrue(err.toString().contains("cannot reach " + base + "cifar-100-binary.tar.gz"), err.toString());
        assertFalse(Files.exists(tmp.resolve("c100")), "DIR is not created");
    }

    @Test
    void aNonEmptyTargetIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(dir.resolve("notes.txt"), "mine");

        int code = run("data", "fetch", "cifar10", dir.toString(), "--base-url", baseUrl());

        assertEquals(1, code);
        assertTrue(err.toString().contains("exists and is not an empty folder"), err.toString());
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")), "nothing of the user's is touched");
    }
}
