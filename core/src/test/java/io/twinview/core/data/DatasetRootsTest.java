package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which dataset URIs a set of roots lets through, and what the refusal says. */
class DatasetRootsTest {

    @TempDir
    Path tmp;

    private Path root;
    private Path outside;
    private DatasetRoots roots;

    @BeforeEach
    void layout() throws IOException {
        root = Files.createDirectories(tmp.resolve("datasets"));
        Files.createDirectories(root.resolve("cifar"));
        outside = Files.createDirectories(tmp.resolve("secrets"));
        roots = DatasetRoots.of(List.of(root.toString(), "s3://b/data", " "), "twinview");
    }

    private String refused(String uri) {
        String message = assertThrows(
                        DatasetAccessException.class, () -> roots.check(uri), "'" + uri + "' must be refused")
                .getMessage();
        assertTrue(message.contains("'" + uri + "'"), "the refusal names the URI: " + message);
        assertTrue(
                message.contains("allowed roots: " + root + ", s3://b/data (twinview.datasets.roots)"),
                "the refusal lists the roots and names the setting: " + message);
        return message;
    }

    @Test
    void pathsUnderARootPassWhetherOrNotTheyExist() {
        assertDoesNotThrow(() -> roots.check("cifar10:" + root.resolve("cifar") + "?split=train"));
        assertDoesNotThrow(() -> roots.check("cifar10:" + root), "the root itself");
        assertDoesNotThrow(
                () -> roots.check("imagefolder:" + root.resolve("not/yet/there")),
                "a missing folder passes here: opening it fails naming it");
        assertDoesNotThrow(() -> roots.check("webdataset:" + root.resolve("shards-{000..009}.tar")));
        assertDoesNotThrow(() -> roots.check("synthetic:?n=64"), "synthetic datasets name no place");
    }

    @Test
    void pathsOutsideEveryRootAreRefused() {
        refused("imagefolder:/etc");
        refused("cifar10:/root");
        refused("cifar10:" + outside);
        refused("cifar10:" + tmp.resolve("datasets-other")); // a sibling sharing the root's name as a prefix
    }

    @Test
    void dotDotSegmentsAreRefusedEvenWhenTheyStayInside() {
        String escape = refused("imagefolder:" + root + "/../..");
        assertTrue(escape.contains("'..' segments are not allowed"), escape);
        refused("imagefolder:" + root + "/cifar/../cifar");
    }

    @Test
    void aSymbolicLinkOutOfARootIsRefusedByItsRealPath() throws IOException {
        Path link = Files.createSymbolicLink(root.resolve("escape"), outside);
        String message = refused("imagefolder:" + link);
        assertTrue(message.contains("resolves to " + outside.toRealPath()), message);
        refused("imagefolder:" + link.resolve("sub/dir")); // below the link, not existing yet
        Path inner = Files.createSymbolicLink(root.resolve("alias"), root.resolve("cifar"));
        assertDoesNotThrow(() -> roots.check("cifar10:" + inner), "a link that stays inside the roots is fine");
    }

    @Test
    void aRootThatIsItselfALinkAllowsWhatItPointsTo() throws IOException {
        Path linkedRoot = Files.createSymbolicLink(tmp.resolve("linked"), root);
        DatasetRoots viaLink = DatasetRoots.of(List.of(linkedRoot.toString()), "twinview");
        assertDoesNotThrow(() -> viaLink.check("cifar10:" + linkedRoot.resolve("cifar")));
    }

    @Test
    void s3PrefixesMatchWholeSegments() {
        assertDoesNotThrow(() -> roots.check("cifar10:s3://b/data"));
        assertDoesNotThrow(() -> roots.check("cifar10:s3://b/data/"));
        assertDoesNotThrow(() -> roots.check("cifar10:s3://b/data/cifar?batches=1"));
        assertDoesNotThrow(() -> roots.check("webdataset:s3://b/data/shards-{00..09}.tar"));
        refused("cifar10:s3://b/database");
        refused("cifar10:s3://b/dat");
        refused("cifar10:s3://b");
        refused("cifar10:s3://other/data");
        assertTrue(refused("cifar10:s3://b/data/../runs").contains("a '..' segment"));
        assertTrue(refused("cifar10:s3://b/data//x").contains("an empty segment"));
    }

    @Test
    void theCheckpointPrefixIsNeverADatasetWhateverTheRoots() {
        DatasetRoots wholeBucket = DatasetRoots.of(List.of("s3://twinview"), "twinview");
        assertDoesNotThrow(() -> wholeBucket.check("cifar10:s3://twinview/datasets/cifar"));
        for (String uri : List.of(
                "cifar10:s3://twinview/runs/r1/checkpoints",
                "cifar10:s3://twinview/runs",
                "cifar10:s3://twinview/runs/",
                "cifar10:s3://twinview")) {
            String message = assertThrows(DatasetAccessException.class, () -> wholeBucket.check(uri), uri)
                    .getMessage();
            assertTrue(message.contains("checkpoint prefix s3://twinview/runs/"), message);
        }
        assertDoesNotThrow(
                () -> DatasetRoots.of(List.of("s3://other"), "twinview").check("cifar10:s3://other/runs/x"),
                "runs/ of another bucket is an ordinary prefix");
        IllegalArgumentException root = assertThrows(
                IllegalArgumentException.class, () -> DatasetRoots.of(List.of("s3://twinview/runs/x"), "twinview"));
        assertTrue(
                root.getMessage().contains("twinview.datasets.roots entry 's3://twinview/runs/x'"), root.getMessage());
    }

    @Test
    void noRootsAllowSyntheticOnly() {
        DatasetRoots none = DatasetRoots.of(List.of(), "twinview");
        assertDoesNotThrow(() -> none.check("synthetic:?n=16"));
        String message = assertThrows(DatasetAccessException.class, () -> none.check("cifar10:" + root))
                .getMessage();
        assertTrue(message.contains("none (only synthetic: datasets; set twinview.datasets.roots)"), message);
    }

    @Test
    void datasetsOpenWithAPolicyChecksTheRootsBeforeReading() {
        DatasetPolicy policy = new DatasetPolicy(roots, DatasetLimits.DEFAULTS);
        DatasetAccessException e =
                assertThrows(DatasetAccessException.class, () -> Datasets.open("cifar10:/etc", null, policy));
        assertTrue(e.getMessage().contains("is not allowed"), e.getMessage());
        assertThrows(DatasetAccessException.class, () -> Datasets.defaultSplits("cifar10:/etc", null, policy));
        DatasetException unknown =
                assertThrows(DatasetException.class, () -> Datasets.open("imagenet:/etc", null, policy));
        assertTrue(unknown.getMessage().contains("unknown scheme"), "the scheme is checked first: " + unknown);
    }
}
