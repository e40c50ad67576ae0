package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** URI-level errors common to every scheme. */
class DatasetsTest {

    private static String openError(String uri) {
        return assertThrows(DatasetException.class, () -> Datasets.open(uri), "opening '" + uri + "' must fail")
                .getMessage();
    }

    @Test
    void unknownSchemeIsNamedWithTheKnownOnes() {
        String message = openError("imagenet:/data/in1k");
        assertTrue(message.contains("'imagenet:/data/in1k'"), "names the URI: " + message);
        assertTrue(message.contains("unknown scheme 'imagenet'"), message);
        assertTrue(
                message.contains("known schemes: cifar10, cifar100, stl10, imagefolder, webdataset, synthetic"),
                message);
        assertThrows(
                DatasetException.class,
                () -> Datasets.defaultSplits("imagenet:/data/in1k"),
                "defaultSplits rejects the same URIs");
    }

    @Test
    void everyFormatIsListedOnceUnderItsOwnScheme() {
        assertEquals(Datasets.FORMATS.size(), Set.copyOf(Datasets.SCHEMES).size(), "no scheme registered twice");
        assertEquals(Datasets.FORMATS.stream().map(DatasetFormat::scheme).toList(), Datasets.SCHEMES);
    }

    @Test
    void schemesOnObjectStorageAreCheckedBeforeTheStorageSettings() {
        String unknown = openError("imagenet:s3://bucket/in1k");
        assertTrue(unknown.contains("unknown scheme 'imagenet'; known schemes: cifar10,"), unknown);
        String generated = openError("synthetic:s3://bucket/shapes");
        assertTrue(generated.contains("scheme synthetic cannot come from object storage"), generated);
        assertThrows(
                DatasetException.class,
                () -> Datasets.defaultSplits("synthetic:s3://bucket/shapes"),
                "defaultSplits rejects the same URIs");
    }

    @Test
    void uriWithoutSchemeIsRejected() {
        String message = openError("/data/cifar");
        assertTrue(message.contains("'/data/cifar' has no scheme"), message);
    }

    @Test
    void emptyUriIsRejected() {
        assertTrue(openError("").contains("dataset URI is empty"));
        assertTrue(openError("  ").contains("dataset URI is empty"));
        assertThrows(DatasetException.class, () -> Datasets.open(null), "null is an empty URI, not an NPE");
    }
}
